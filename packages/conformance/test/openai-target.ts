/**
 * The openai backend as a conformance target: the built-in OpenAI-compatible upstream
 * replays shared/fixtures/recorded/openai-compatible/openai-text.*. Its embeddings
 * (`openAIEmbeddings`) also serve targets whose provider has none.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { recordedDir } from "../../translate/test/shared-dir.ts"
import type { ChatExtractors, ConformanceTarget, EmbeddingBackend, ModelEntryFor, SentImage, SentTurn } from "./conformance-target.ts"
import { isRecord, type UpstreamRequest } from "./conformance-upstream.ts"

const openAIEntry: ModelEntryFor = (upstreamUrl, upstreamModel) => ({ backend: "openai", baseUrl: `${upstreamUrl}/v1`, apiKey: "sk-upstream-conformance", model: upstreamModel })

const messagesOf = (request: UpstreamRequest): unknown[] => (Array.isArray(request.body["messages"]) ? request.body["messages"] : [])
const partsOf = (content: unknown): unknown[] => (Array.isArray(content) ? content : [])

function textOf(content: unknown): string {
  if (typeof content === "string") return content
  return partsOf(content)
    .flatMap((part) => (isRecord(part) && part["type"] === "text" && typeof part["text"] === "string" ? [part["text"]] : []))
    .join("\n")
}

function turnOf(message: unknown): SentTurn {
  if (!isRecord(message)) return { role: "user", text: "", toolCalls: [] }
  const role = message["role"] === "system" || message["role"] === "developer" ? "system" : message["role"] === "assistant" ? "assistant" : message["role"] === "tool" ? "tool" : "user"
  const toolCalls = (Array.isArray(message["tool_calls"]) ? message["tool_calls"] : []).flatMap((call: unknown) =>
    isRecord(call) && isRecord(call["function"]) && typeof call["function"]["name"] === "string" ? [call["function"]["name"]] : [],
  )
  return { role, text: textOf(message["content"]), toolCalls }
}

function imageOf(part: unknown): SentImage[] {
  if (!isRecord(part) || part["type"] !== "image_url" || !isRecord(part["image_url"]) || typeof part["image_url"]["url"] !== "string") return []
  const url = part["image_url"]["url"]
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(url)
  return [data?.[1] !== undefined && data[2] !== undefined ? { mediaType: data[1], data: data[2] } : { url }]
}

export const openAIChatExtractors: ChatExtractors = {
  isModelCall: () => true,
  turnsSent: (request) => messagesOf(request).map(turnOf),
  imagesSent: (request) => messagesOf(request).flatMap((message) => (isRecord(message) ? partsOf(message["content"]).flatMap(imageOf) : [])),
  jsonSchemaSent: (request) => {
    const format = request.body["response_format"]
    if (!isRecord(format) || format["type"] !== "json_schema" || !isRecord(format["json_schema"])) return undefined
    const { schema, name, strict } = format["json_schema"]
    return { schema, name, strict }
  },
}

export const openAIEmbeddings: EmbeddingBackend = {
  upstreamModel: "text-embedding-3-small",
  entry: openAIEntry,
  extract: {
    embeddingInputs: (request) => {
      if (request.path !== "/v1/embeddings") return undefined
      const input = request.body["input"]
      return typeof input === "string" ? [input] : Array.isArray(input) && typeof input[0] === "number" ? [input] : Array.isArray(input) ? input : []
    },
  },
  // The openai backend forwards a call whole (the API takes up to 2,048 inputs).
  maxInputsPerUpstreamRequest: 2048,
}

const recordedCompletion = JSON.parse(readFileSync(join(recordedDir, "openai-text.json"), "utf8"))
const recordedChunks: { choices: { delta?: { content?: string } }[]; usage?: { prompt_tokens: number; completion_tokens: number } | null }[] = readFileSync(join(recordedDir, "openai-text.chunks.txt"), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line))
const recordedStreamUsage = recordedChunks.at(-1)?.usage
if (recordedStreamUsage == null) throw new Error("openai-text.chunks.txt: the last chunk carries no usage")

export const openAITarget: ConformanceTarget = {
  name: "openai",
  description: "The `openai` backend (OpenAI-compatible), against a local upstream replaying recorded OpenAI responses.",
  protocols: [],
  chatModel: "gpt-4.1-nano",
  entry: openAIEntry,
  expected: {
    text: recordedCompletion.choices[0].message.content,
    // The recorded stream is another generation than the recorded completion: its own text.
    streamText: recordedChunks.map((chunk) => chunk.choices[0]?.delta?.content ?? "").join(""),
    totalTokens: recordedCompletion.usage.total_tokens,
    streamUsage: { promptTokens: recordedStreamUsage.prompt_tokens, completionTokens: recordedStreamUsage.completion_tokens },
  },
  extract: openAIChatExtractors,
  embeddings: { on: "self", ...openAIEmbeddings },
  cannot: {},
}
