/**
 * Every client scenario against the `gemini` backend: a real Harper whose gemini backend
 * talks to a local Generative Language API (upstreams/gemini-upstream.ts) replaying the
 * real recordings in shared/fixtures/recorded/gemini. See conformance-suite.ts.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { sharedDir } from "../../translate/test/shared-dir.ts"
import { runConformanceSuite } from "./conformance-suite.ts"
import { geminiChatExtractors, geminiEmbeddingExtractors, geminiUpstream } from "./upstreams/gemini-upstream.ts"

const recorded = (file: string) => readFileSync(join(sharedDir, "fixtures", "recorded", "gemini", file), "utf8")
const textOf = (response: { candidates?: { content?: { parts?: { text?: string; thought?: boolean }[] } }[] }) => (response.candidates?.[0]?.content?.parts ?? []).map((part) => (part.thought === true ? "" : (part.text ?? ""))).join("")
const answer = JSON.parse(recorded("google-text.json"))
const chunks = recorded("google-text.chunks.txt")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line))
const lastUsage = chunks.at(-1)?.usageMetadata
const entry = (upstreamUrl: string, model: string) => ({ backend: "gemini", baseUrl: upstreamUrl, apiKey: "AIza-conformance", model })

runConformanceSuite({
  name: "gemini",
  description: "The `gemini` backend, against a local Generative Language API (`generateContent`, `streamGenerateContent?alt=sse`, `embedContent`, `batchEmbedContents`) replaying recorded Gemini responses.",
  protocols: [geminiUpstream],
  chatModel: "gemini-3-pro-preview",
  entry,
  expected: {
    text: textOf(answer),
    streamText: chunks.map(textOf).join(""),
    totalTokens: answer.usageMetadata.totalTokenCount,
    // Gemini counts thoughts outside candidatesTokenCount; OpenAI's completion tokens include reasoning.
    streamUsage: { promptTokens: lastUsage.promptTokenCount, completionTokens: lastUsage.candidatesTokenCount + lastUsage.thoughtsTokenCount },
  },
  extract: geminiChatExtractors,
  embeddings: { on: "self", upstreamModel: "gemini-embedding-001", entry, extract: geminiEmbeddingExtractors, maxInputsPerUpstreamRequest: 100 },
  cannot: {
    "openai: embeddings.create with token arrays": "Gemini embeds text only: token ids (of OpenAI's tokenizer) have no Gemini meaning; refused with a 400 naming input",
  },
})
