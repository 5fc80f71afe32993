/**
 * The conformance suite (conformance-suite.ts) against the anthropic backend: a local
 * Messages API (upstreams/anthropic-upstream.ts) replaying shared/fixtures/recorded/anthropic.
 * Its table is docs/conformance-anthropic.md.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { sharedDir } from "../../translate/test/shared-dir.ts"
import { runConformanceSuite } from "./conformance-suite.ts"
import { anthropicChatExtractors, anthropicUpstream } from "./upstreams/anthropic-upstream.ts"

const recorded = (file: string) => readFileSync(join(sharedDir, "fixtures", "recorded", "anthropic", file), "utf8")
const message = JSON.parse(recorded("anthropic-text.json"))
const events: { type: string; message?: { usage?: { input_tokens?: number } }; delta?: { type?: string; text?: string }; usage?: { input_tokens?: number; output_tokens?: number } }[] = recorded("anthropic-text.chunks.txt")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line))
const streamText = events.map((event) => (event.type === "content_block_delta" && event.delta?.type === "text_delta" ? (event.delta.text ?? "") : "")).join("")
const finalUsage = events.find((event) => event.type === "message_delta")?.usage
const startUsage = events.find((event) => event.type === "message_start")?.message?.usage
const promptTokens = finalUsage?.input_tokens ?? startUsage?.input_tokens
const completionTokens = finalUsage?.output_tokens
if (promptTokens === undefined || completionTokens === undefined) throw new Error("anthropic-text.chunks.txt: no usage")

runConformanceSuite({
  name: "anthropic",
  description: "The `anthropic` backend, against a local Messages API replaying recorded Anthropic responses.",
  protocols: [anthropicUpstream],
  chatModel: "claude-sonnet-4-5",
  entry: (upstreamUrl, model) => ({ backend: "anthropic", baseUrl: upstreamUrl, apiKey: "sk-ant-conformance", model }),
  expected: {
    text: message.content[0].text,
    streamText,
    // The recording's cache counts are 0: the prompt is input_tokens.
    totalTokens: message.usage.input_tokens + message.usage.output_tokens,
    streamUsage: { promptTokens, completionTokens },
  },
  extract: anthropicChatExtractors,
  embeddings: { on: "openai", reason: "Anthropic has no embeddings API" },
  cannot: {},
})
