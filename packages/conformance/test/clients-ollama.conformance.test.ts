/**
 * Every client scenario against the `ollama` backend, through a real Harper, its upstream a
 * local Ollama native API (upstreams/ollama-upstream.ts). No one recorded a live Ollama: the
 * envelope, counts and timings are Ollama's documented examples
 * (packages/translate/test/fixtures/ollama, README there), the words the OpenAI recordings'
 * (shared/fixtures/recorded/openai-compatible/openai-text.*), so `expected` reads both.
 */
import { readFileSync } from "node:fs"
import { runConformanceSuite } from "./conformance-suite.ts"
import { recordedStreamText, recordedText } from "./recorded-openai-text.ts"
import { ollamaChatExtractors, ollamaEmbeddingExtractors, ollamaUpstream } from "./upstreams/ollama-upstream.ts"

const documented = (name: string) => readFileSync(new URL(`../../translate/test/fixtures/ollama/${name}`, import.meta.url), "utf8")
/** The documented whole answer (chat-tools.json) and the documented stream's done line (chat-stream.ndjson). */
const whole = JSON.parse(documented("chat-tools.json"))
const done = JSON.parse(
  documented("chat-stream.ndjson")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .at(-1) ?? "{}",
)

/** Ollama's API has no tool_choice: a model offered tools may answer in text, so a forced call is refused (400 naming tool_choice). */
const CANNOT_FORCE = "Ollama has no tool_choice and cannot force a tool call: the gateway refuses required or a named function with a 400 naming tool_choice"

const entry = (upstreamUrl: string, model: string) => ({ backend: "ollama", baseUrl: upstreamUrl, model })

runConformanceSuite({
  name: "ollama",
  description: "The `ollama` backend (Ollama's native `/api/chat` and `/api/embed`), against a local Ollama answering on the envelope, counts and timings of Ollama's documented examples, with the recorded OpenAI texts.",
  protocols: [ollamaUpstream],
  chatModel: "llama3.2",
  entry,
  expected: {
    text: recordedText,
    streamText: recordedStreamText,
    totalTokens: whole.prompt_eval_count + whole.eval_count,
    streamUsage: { promptTokens: done.prompt_eval_count, completionTokens: done.eval_count },
  },
  extract: ollamaChatExtractors,
  embeddings: { on: "self", upstreamModel: "all-minilm", entry, extract: ollamaEmbeddingExtractors, maxInputsPerUpstreamRequest: 2048 },
  cannot: {
    "openai: tools, tool_choice required": CANNOT_FORCE,
    "openai: tools, tool_choice named": CANNOT_FORCE,
    "openai: responses.create with function tools": `${CANNOT_FORCE} (the scenario asks tool_choice: "required")`,
    "langchain: withStructuredOutput (functionCalling)": `${CANNOT_FORCE} (LangChain forces the schema's function by name; its jsonSchema method works)`,
    "openai: embeddings.create with token arrays": "Ollama's /api/embed takes text only: token-id inputs are refused with a 400 naming input",
  },
})
