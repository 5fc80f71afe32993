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
 * models answer Ollama's `{"error": …}` (`fault-429` with retry-after, `fault-500`), and
 * `slow-*` streams the recorded text a line every 50 ms.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { ServerResponse } from "node:http"
import { isRecord, type Answer, type AnswerRequest, type ProtocolUpstream } from "../conformance-upstream.ts"

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
    if (model === "fault-429") return json(res, 429, { error: "rate limit exceeded" }, { "retry-after": "1" })
    if (model === "fault-500") return json(res, 500, { error: "the model failed to generate a response" })
    if (request.path === "/api/embed") return embed(request.body, res)
    if (model.startsWith("slow-")) return slowly(res, model, recordedStreamPieces(recording("openai-text.chunks.txt")))
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
export function ollamaAnswerRequest(body: Record<string, unknown>): AnswerRequest {
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

/** Deterministic vectors (the OpenAI upstream's), `dimensions` honoured as Ollama does, on the documented envelope. */
function embed(body: Record<string, unknown>, res: ServerResponse): void {
  const input = body["input"]
  const inputs = typeof input === "string" ? [input] : Array.isArray(input) ? input : []
  const dimensions = typeof body["dimensions"] === "number" ? body["dimensions"] : 16
  const embeddings = inputs.map((_, index) => Array.from(Float32Array.from({ length: dimensions }, (_, d) => (index + 1) / (d + 2))))
  json(res, 200, { ...EMBED, model: modelOf(body), embeddings, prompt_eval_count: inputs.length })
}

/** The recorded text, one line every 50 ms, so a client can abort it mid-way. */
async function slowly(res: ServerResponse, model: string, pieces: readonly string[]): Promise<void> {
  res.writeHead(200, { "content-type": "application/x-ndjson" })
  for (const piece of pieces) {
    if (res.destroyed) return
    res.write(`${JSON.stringify({ ...STREAM_LINE, model, message: { role: "assistant", content: piece }, done: false })}\n`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  res.end(`${JSON.stringify({ ...STREAM_DONE, model, message: { role: "assistant", content: "" } })}\n`)
}

function json(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}
