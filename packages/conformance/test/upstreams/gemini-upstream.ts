/**
 * The conformance upstream for Google Gemini's protocol (`/v1beta/models/{model}:…`):
 * reads a generateContent / streamGenerateContent?alt=sse body into an AnswerRequest,
 * lets the shared `answerFor` decide, and writes the answer on the envelope of the real
 * recordings in ../shared/fixtures/recorded/gemini (google-text for identity, usage and
 * chunk rhythm; google-tool-call for the functionCall part and its thoughtSignature).
 * Plain chat replays google-text as recorded. Like Gemini 3, a replayed model turn
 * whose function call carries no thoughtSignature is refused with a 400 (the message
 * Gemini documents on ai.google.dev/gemini-api/docs/thought-signatures), so a backend
 * that loses signatures fails here. embedContent / batchEmbedContents answer
 * deterministic vectors in the documented shape (ai.google.dev/api/embeddings).
 * Fault models, as every protocol's upstream: `fault-429` the recorded 429 (RetryInfo in
 * the body) with `retry-after: 1`, `fault-500` Gemini's INTERNAL error, `slow-text` the
 * recorded stream's text one frame every 50 ms.
 */
import type { ServerResponse } from "node:http"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { ChatExtractors, EmbeddingExtractors, SentTurn } from "../conformance-target.ts"
import { DEFAULT_EMBEDDING_DIMENSIONS, embeddingVector, faultOf, isRecord, writeSlowly, type AnswerRequest, type ProtocolUpstream, type UpstreamContext, type UpstreamRequest } from "../conformance-upstream.ts"

const PATH = /^\/v1(?:beta|alpha)?\/models\/([^/:?]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)(?:\?(.*))?$/

export const geminiUpstream: ProtocolUpstream = {
  handles: (path) => PATH.test(path),
  serve(request, res, context) {
    const match = PATH.exec(request.path)
    const model = decodeURIComponent(match?.[1] ?? "")
    const method = match?.[2] ?? ""
    const dir = join(context.recordedDir, "..", "gemini")
    const fault = faultOf(model)
    switch (fault) {
      case "rate-limit":
        return json(res, 429, readFileSync(join(dir, "google-429-retry-info.json"), "utf8"), { "retry-after": "1" })
      case "server-error":
        return json(res, 500, JSON.stringify({ error: { code: 500, message: "Internal error encountered.", status: "INTERNAL" } }))
      case "slow":
        return slowly(res, dir)
      case undefined:
        break
      default: {
        const unreachable: never = fault
        return unreachable
      }
    }
    const body = request.body
    switch (method) {
      case "embedContent":
        return json(res, 200, JSON.stringify({ embedding: { values: vector(0, dimensionsOf(body)) } }))
      case "batchEmbedContents": {
        const requests = Array.isArray(body["requests"]) ? body["requests"] : []
        return json(res, 200, JSON.stringify({ embeddings: requests.map((one, index) => ({ values: vector(index, dimensionsOf(isRecord(one) ? one : {})) })) }))
      }
      case "generateContent":
      case "streamGenerateContent":
        return generate(body, res, context, dir, method === "streamGenerateContent")
      default:
        return json(res, 404, JSON.stringify({ error: { code: 404, message: "Not found.", status: "NOT_FOUND" } }))
    }
  },
}

function generate(body: Record<string, unknown>, res: ServerResponse, context: UpstreamContext, dir: string, streamed: boolean): void {
  const unsigned = unsignedReplayedCall(body)
  if (unsigned !== undefined) {
    const message = `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`${unsigned}\``
    json(res, 400, JSON.stringify({ error: { code: 400, message, status: "INVALID_ARGUMENT" } }))
    return
  }
  const answer = context.answerFor(geminiAnswerRequest(body))
  const recordedText = readFileSync(join(dir, streamed ? "google-text.chunks.txt" : "google-text.json"), "utf8")
  if (answer.recorded) {
    if (!streamed) {
      json(res, 200, recordedText)
      return
    }
    res.writeHead(200, { "content-type": "text/event-stream" })
    for (const line of lines(recordedText)) res.write(`data: ${line}\r\n\r\n`)
    res.end()
    return
  }
  const toolCallPart = JSON.parse(readFileSync(join(dir, "google-tool-call.json"), "utf8")).candidates[0].content.parts[0]
  const calls = answer.toolCalls.map((call, index) => {
    const part: Record<string, unknown> = { functionCall: { name: call.name, args: JSON.parse(call.arguments) } }
    // Parallel calls: only the first carries the step's signature (as Gemini 3 does).
    if (index === 0) part["thoughtSignature"] = toolCallPart.thoughtSignature
    return part
  })
  if (!streamed) {
    const envelope = JSON.parse(recordedText)
    const parts = calls.length > 0 ? calls : [{ text: answer.content }]
    json(res, 200, JSON.stringify({ ...envelope, candidates: [{ content: { parts, role: "model" }, finishReason: "STOP", index: 0 }] }))
    return
  }
  const recorded = lines(recordedText).map((line) => JSON.parse(line))
  const base = recorded[0] ?? {}
  const last = recorded.at(-1) ?? {}
  const frame = (candidate: Record<string, unknown>, usage: unknown) => `data: ${JSON.stringify({ ...base, candidates: [{ index: 0, ...candidate }], usageMetadata: usage })}\r\n\r\n`
  res.writeHead(200, { "content-type": "text/event-stream" })
  for (const piece of answer.content.match(/.{1,12}/gs) ?? []) res.write(frame({ content: { parts: [{ text: piece }], role: "model" } }, base.usageMetadata))
  if (calls.length > 0) res.write(frame({ content: { parts: calls, role: "model" } }, base.usageMetadata))
  res.write(frame({ content: { parts: [{ text: "" }], role: "model" }, finishReason: "STOP" }, last.usageMetadata))
  res.end()
}

/** A Gemini request as the protocol-neutral answer request. */
function geminiAnswerRequest(body: Record<string, unknown>): AnswerRequest {
  const contents = records(body["contents"])
  const tools = records(body["tools"]).flatMap((tool) =>
    records(tool["functionDeclarations"]).flatMap((declaration) => (typeof declaration["name"] === "string" ? [{ name: declaration["name"], parameters: declaration["parameters"] ?? declaration["parametersJsonSchema"] ?? {} }] : [])),
  )
  const calling = isRecord(body["toolConfig"]) && isRecord(body["toolConfig"]["functionCallingConfig"]) ? body["toolConfig"]["functionCallingConfig"] : {}
  const allowed = Array.isArray(calling["allowedFunctionNames"]) ? calling["allowedFunctionNames"].filter((name) => typeof name === "string") : []
  const toolChoice: AnswerRequest["toolChoice"] = calling["mode"] === "NONE" ? "none" : calling["mode"] === "ANY" ? (allowed.length === 1 && allowed[0] !== undefined ? { name: allowed[0] } : "required") : "auto"
  const config = isRecord(body["generationConfig"]) ? body["generationConfig"] : {}
  const schema = config["responseSchema"] ?? config["responseJsonSchema"]
  const responseFormat: AnswerRequest["responseFormat"] = config["responseMimeType"] === "application/json" ? (schema === undefined ? { type: "json_object" } : { type: "json_schema", schema }) : undefined
  const lastParts = records(contents.at(-1)?.["parts"])
  const results = lastParts.flatMap((part) => (isRecord(part["functionResponse"]) ? [part["functionResponse"]["response"]] : []))
  const system = isRecord(body["systemInstruction"]) ? [textOf(records(body["systemInstruction"]["parts"]))] : []
  return {
    tools,
    toolChoice,
    // Gemini has no switch for it: the model may always call several.
    parallelToolCalls: true,
    turns: contents.length,
    lastToolResult: results.length === 0 ? undefined : results.map((response) => (isRecord(response) && typeof response["result"] === "string" ? response["result"] : JSON.stringify(response))).join("\n"),
    responseFormat,
    texts: [...system, ...contents.map((content) => textOf(records(content["parts"])))],
  }
}

/** The name of the first function call in a replayed model turn that has no signature, as Gemini 3 checks. */
function unsignedReplayedCall(body: Record<string, unknown>): string | undefined {
  for (const content of records(body["contents"])) {
    if (content["role"] !== "model") continue
    const calls = records(content["parts"]).filter((part) => isRecord(part["functionCall"]))
    const first = calls[0]
    if (first !== undefined && typeof first["thoughtSignature"] !== "string") return isRecord(first["functionCall"]) ? String(first["functionCall"]["name"]) : ""
  }
  return undefined
}

function textOf(parts: readonly Record<string, unknown>[]): string {
  return parts.map((part) => (typeof part["text"] === "string" ? part["text"] : "")).join("\n")
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : []
}

function lines(text: string): string[] {
  return text.split("\n").filter((line) => line.trim() !== "")
}

function dimensionsOf(request: Record<string, unknown>): number {
  const asked = request["outputDimensionality"]
  return typeof asked === "number" ? asked : DEFAULT_EMBEDDING_DIMENSIONS
}

function vector(index: number, dimensions: number): number[] {
  return Array.from(embeddingVector(index, dimensions))
}

/** The recorded stream's text in small frames, 50 ms apart, so a client can leave mid-way. */
function slowly(res: ServerResponse, dir: string): Promise<void> {
  const recorded = lines(readFileSync(join(dir, "google-text.chunks.txt"), "utf8")).map((line) => JSON.parse(line))
  const text = recorded.map((chunk) => chunk.candidates?.[0]?.content?.parts?.[0]?.text ?? "").join("")
  const base = recorded[0] ?? {}
  const frames = (text.match(/.{1,6}/gs) ?? []).map((piece: string) => `data: ${JSON.stringify({ ...base, candidates: [{ index: 0, content: { parts: [{ text: piece }], role: "model" } }] })}\r\n\r\n`)
  res.writeHead(200, { "content-type": "text/event-stream" })
  return writeSlowly(res, frames, `data: ${JSON.stringify(recorded.at(-1) ?? {})}\r\n\r\n`)
}

function json(res: ServerResponse, status: number, body: string, headers: Readonly<Record<string, string>> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(body)
}

const contentsOf = (request: UpstreamRequest): Record<string, unknown>[] => records(request.body["contents"])

function turnsOf(request: UpstreamRequest): SentTurn[] {
  const turns: SentTurn[] = []
  if (isRecord(request.body["systemInstruction"])) turns.push({ role: "system", text: textOf(records(request.body["systemInstruction"]["parts"])), toolCalls: [] })
  for (const content of contentsOf(request)) {
    const parts = records(content["parts"])
    const results = parts.flatMap((part) => (isRecord(part["functionResponse"]) ? [part["functionResponse"]["response"]] : []))
    // A user content of functionResponse parts is the tool results (one turn each), as Anthropic's tool_result blocks.
    if (results.length > 0) {
      for (const response of results) turns.push({ role: "tool", text: isRecord(response) && typeof response["result"] === "string" ? response["result"] : JSON.stringify(response), toolCalls: [] })
      continue
    }
    const toolCalls = parts.flatMap((part) => (isRecord(part["functionCall"]) && typeof part["functionCall"]["name"] === "string" ? [part["functionCall"]["name"]] : []))
    turns.push({ role: content["role"] === "model" ? "assistant" : "user", text: textOf(parts.filter((part) => part["thought"] !== true)), toolCalls })
  }
  return turns
}

/** What a Gemini request carried, for the suite's scenarios. */
export const geminiChatExtractors: ChatExtractors = {
  isModelCall: (request) => /:(?:generateContent|streamGenerateContent)(?:\?|$)/.test(request.path),
  turnsSent: turnsOf,
  imagesSent: (request) =>
    contentsOf(request).flatMap((content) =>
      records(content["parts"]).flatMap((part) => {
        const inline = part["inlineData"]
        return isRecord(inline) && typeof inline["mimeType"] === "string" && typeof inline["data"] === "string" ? [{ mediaType: inline["mimeType"], data: inline["data"] }] : []
      }),
    ),
  jsonSchemaSent: (request) => {
    const config = isRecord(request.body["generationConfig"]) ? request.body["generationConfig"] : {}
    const schema = config["responseSchema"] ?? config["responseJsonSchema"]
    // Gemini's responseSchema has no name or strict flag.
    return schema === undefined ? undefined : { schema, name: null, strict: null }
  },
}

export const geminiEmbeddingExtractors: EmbeddingExtractors = {
  embeddingInputs: (request) => {
    if (/:embedContent$/.test(request.path)) return isRecord(request.body["content"]) ? [textOf(records(request.body["content"]["parts"]))] : []
    if (/:batchEmbedContents$/.test(request.path)) return records(request.body["requests"]).map((one) => (isRecord(one["content"]) ? textOf(records(one["content"]["parts"])) : ""))
    return undefined
  },
}
