/**
 * The conformance suite's Ollama: `/api/chat` (JSON, or an NDJSON stream) and `/api/embed`
 * in Ollama's native wire format. Nobody recorded a live Ollama, so the envelope, counts
 * and timings are Ollama's documented examples (packages/translate/test/fixtures/ollama,
 * whose README says which example of docs/api.md each copies): `chat-tools.json` for a
 * whole answer, `chat-stream.ndjson` for a stream's lines and its done line, `embed.json`
 * for embeddings. What is said comes from `context.answerFor`: the recorded OpenAI text
 * (openai-text.json / openai-text.chunks.txt) for plain chat, so every backend answers
 * the same words, or tool calls, schema-shaped JSON, a tool-result echo. Tool calls go
 * whole, in one line, as Ollama sends them, with object arguments and no ids. The fault
 * models (`faultOf`) answer Ollama's `{"error": …}` (`fault-429` with retry-after,
 * `fault-500`), and `slow-*` streams the recorded text a line every 50 ms (`writeSlowly`).
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { ServerResponse } from "node:http"
import type { ChatExtractors, EmbeddingExtractors, SentTurn } from "../conformance-target.ts"
import { DEFAULT_EMBEDDING_DIMENSIONS, embeddingVector, faultOf, isRecord, writeSlowly, type Answer, type AnswerRequest, type ProtocolUpstream } from "../conformance-upstream.ts"

const documented = (name: string): Record<string, unknown> => {
  const parsed: unknown = JSON.parse(readFileSync(new URL(`../../../translate/test/fixtures/ollama/${name}`, import.meta.url), "utf8"))
  return isRecord(parsed) ? parsed : {}
}
const documentedLines = (name: string): Record<string, unknown>[] =>
  readFileSync(new URL(`../../../translate/test/fixtures/ollama/${name}`, import.meta.url), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line): unknown => JSON.parse(line))
    .filter(isRecord)

/** The documented whole answer's envelope (model, created_at, done_reason, counts, durations) without its message. */
const WHOLE = (() => {
  const { message: _message, ...rest } = documented("chat-tools.json")
  return rest
})()
/** The documented stream: a line's envelope, and the done line's counts and durations. */
const STREAM = documentedLines("chat-stream.ndjson")
const STREAM_LINE = (() => {
  const { message: _message, ...rest } = STREAM[0] ?? {}
  return rest
})()
const STREAM_DONE = (() => {
  const { message: _message, ...rest } = STREAM.at(-1) ?? {}
  // The documented final line has no done_reason; a current Ollama sends "stop".
  return { ...rest, done_reason: "stop" }
})()
const EMBED = (() => {
  const { embeddings: _embeddings, ...rest } = documented("embed.json")
  return rest
})()

export const ollamaUpstream: ProtocolUpstream = {
  handles: (path) => path === "/api/chat" || path === "/api/embed",
  serve(request, res, context) {
    const recording = (name: string) => readFileSync(join(context.recordedDir, name), "utf8")
    const model = modelOf(request.body)
    // The suite's fault models, in Ollama's error shape (docs.ollama.com/api/errors).
    const fault = faultOf(model)
    switch (fault) {
      case "rate-limit":
        return json(res, 429, { error: "rate limit exceeded" }, { "retry-after": "1" })
      case "server-error":
        return json(res, 500, { error: "the model failed to generate a response" })
      case "slow": {
        const line = { ...STREAM_LINE, model }
        res.writeHead(200, { "content-type": "application/x-ndjson" })
        const frames = recordedStreamPieces(recording("openai-text.chunks.txt")).map((piece) => `${JSON.stringify({ ...line, message: { role: "assistant", content: piece }, done: false })}\n`)
        return writeSlowly(res, frames, `${JSON.stringify({ ...STREAM_DONE, model, message: { role: "assistant", content: "" } })}\n`)
      }
      case undefined:
        break
      default: {
        const unreachable: never = fault
        return unreachable
      }
    }
    if (request.path === "/api/embed") return embed(request.body, res)
    const answer = context.answerFor(ollamaAnswerRequest(request.body))
    if (request.body["stream"] === false) {
      const content = answer.recorded ? recordedText(recording("openai-text.json")) : answer.content
      return json(res, 200, { ...WHOLE, model: modelOf(request.body), message: message(content, answer), done_reason: "stop" })
    }
    const pieces = answer.recorded ? recordedStreamPieces(recording("openai-text.chunks.txt")) : (answer.content.match(/.{1,4}/gs) ?? [])
    // Ollama names the model asked for in every line.
    const line = { ...STREAM_LINE, model: modelOf(request.body) }
    res.writeHead(200, { "content-type": "application/x-ndjson" })
    for (const piece of pieces) res.write(`${JSON.stringify({ ...line, message: { role: "assistant", content: piece }, done: false })}\n`)
    if (answer.toolCalls.length > 0) res.write(`${JSON.stringify({ ...line, message: message("", answer), done: false })}\n`)
    res.end(`${JSON.stringify({ ...STREAM_DONE, model: modelOf(request.body), message: { role: "assistant", content: "" } })}\n`)
  },
}

/** An Ollama `/api/chat` body as the protocol-neutral request that decides the answer. */
function ollamaAnswerRequest(body: Record<string, unknown>): AnswerRequest {
  const messages = (Array.isArray(body["messages"]) ? body["messages"] : []).filter(isRecord)
  const last = messages.at(-1)
  const tools = (Array.isArray(body["tools"]) ? body["tools"] : []).flatMap((tool: unknown) =>
    isRecord(tool) && isRecord(tool["function"]) && typeof tool["function"]["name"] === "string" ? [{ name: tool["function"]["name"], parameters: tool["function"]["parameters"] ?? {} }] : [],
  )
  const format = body["format"]
  return {
    tools,
    // Ollama has no tool_choice: the gateway leaves the tools out for "none" and refuses forcing a call.
    toolChoice: "auto",
    // Nor parallel_tool_calls: the model may call several.
    parallelToolCalls: true,
    turns: messages.length,
    lastToolResult: last !== undefined && last["role"] === "tool" ? String(last["content"] ?? "") : undefined,
    responseFormat: format === "json" ? { type: "json_object" } : isRecord(format) ? { type: "json_schema", schema: format } : undefined,
    texts: messages.map((message) => String(message["content"] ?? "")),
  }
}

function modelOf(body: Record<string, unknown>): string {
  return typeof body["model"] === "string" ? body["model"] : ""
}

function message(content: string, answer: Answer): Record<string, unknown> {
  if (answer.toolCalls.length === 0) return { role: "assistant", content }
  return {
    role: "assistant",
    content,
    tool_calls: answer.toolCalls.map((call) => ({ function: { name: call.name, arguments: argumentsObject(call.arguments) } })),
  }
}

/** Ollama sends arguments as an object. */
function argumentsObject(text: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(text)
  return isRecord(parsed) ? parsed : {}
}

function recordedText(completion: string): string {
  const parsed: unknown = JSON.parse(completion)
  const choices = isRecord(parsed) && Array.isArray(parsed["choices"]) ? parsed["choices"] : []
  const first: unknown = choices[0]
  return isRecord(first) && isRecord(first["message"]) && typeof first["message"]["content"] === "string" ? first["message"]["content"] : ""
}

/** The recorded OpenAI stream's text pieces, in its own rhythm. */
function recordedStreamPieces(chunks: string): string[] {
  return chunks
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line) => {
      const parsed: unknown = JSON.parse(line)
      const choices = isRecord(parsed) && Array.isArray(parsed["choices"]) ? parsed["choices"] : []
      const first: unknown = choices[0]
      const content = isRecord(first) && isRecord(first["delta"]) ? first["delta"]["content"] : undefined
      return typeof content === "string" && content !== "" ? [content] : []
    })
}

/** The suite's vectors, `dimensions` honoured as Ollama does, on the documented envelope. */
function embed(body: Record<string, unknown>, res: ServerResponse): void {
  const input = body["input"]
  const inputs = typeof input === "string" ? [input] : Array.isArray(input) ? input : []
  const dimensions = typeof body["dimensions"] === "number" ? body["dimensions"] : DEFAULT_EMBEDDING_DIMENSIONS
  const embeddings = inputs.map((_, index) => Array.from(embeddingVector(index, dimensions)))
  json(res, 200, { ...EMBED, model: modelOf(body), embeddings, prompt_eval_count: inputs.length })
}

function json(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}

const messagesOf = (request: { readonly body: Record<string, unknown> }) => (Array.isArray(request.body["messages"]) ? request.body["messages"] : []).filter(isRecord)

function turnOf(message: Record<string, unknown>): SentTurn {
  const role = message["role"] === "system" ? "system" : message["role"] === "assistant" ? "assistant" : message["role"] === "tool" ? "tool" : "user"
  const toolCalls = (Array.isArray(message["tool_calls"]) ? message["tool_calls"] : []).flatMap((call: unknown) =>
    isRecord(call) && isRecord(call["function"]) && typeof call["function"]["name"] === "string" ? [call["function"]["name"]] : [],
  )
  return { role, text: typeof message["content"] === "string" ? message["content"] : "", toolCalls }
}

/** Ollama's `images` carry no media type: it is read from the image's own first bytes, as Ollama does. */
function mediaTypeOf(base64: string): string {
  const bytes = Buffer.from(base64.slice(0, 16), "base64")
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "image/png"
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return "image/jpeg"
  if (bytes.subarray(0, 4).toString("latin1") === "GIF8") return "image/gif"
  if (bytes.subarray(0, 4).toString("latin1") === "RIFF" && bytes.subarray(8, 12).toString("latin1") === "WEBP") return "image/webp"
  return "application/octet-stream"
}

/** What an Ollama `/api/chat` request carried, for the suite's scenarios. */
export const ollamaChatExtractors: ChatExtractors = {
  isModelCall: (request) => request.path === "/api/chat",
  turnsSent: (request) => messagesOf(request).map(turnOf),
  imagesSent: (request) =>
    messagesOf(request).flatMap((message) => (Array.isArray(message["images"]) ? message["images"] : []).flatMap((image: unknown) => (typeof image === "string" ? [{ mediaType: mediaTypeOf(image), data: image }] : []))),
  // `format` is the schema itself: Ollama has no name or strict flag.
  jsonSchemaSent: (request) => (isRecord(request.body["format"]) ? { schema: request.body["format"], name: null, strict: null } : undefined),
}

export const ollamaEmbeddingExtractors: EmbeddingExtractors = {
  embeddingInputs: (request) => {
    if (request.path !== "/api/embed") return undefined
    const input = request.body["input"]
    return typeof input === "string" ? [input] : Array.isArray(input) ? input : []
  },
}
