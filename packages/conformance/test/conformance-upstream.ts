/**
 * The local OpenAI-compatible upstream the conformance suite's gateway talks to. Plain
 * chat replays a real recorded provider response (the model name picks the recording,
 * `gpt-4.1-nano` -> openai-text). Requests a recording cannot answer get an answer
 * built on a recording's envelope, id, usage and chunk rhythm:
 * - tools offered (and allowed) -> tool calls; a `weather` tool gets the recorded
 *   DeepSeek arguments, other tools arguments generated from their JSON Schema; with
 *   `parallel_tool_calls` not false and several tools, one call per tool (up to 3);
 * - a tool result as the last turn -> a text answer quoting it;
 * - `response_format` json_schema -> JSON generated from the schema, json_object -> {"ok":true}.
 * Embeddings: deterministic vectors (`embeddingVector`) in the encoding asked for. The
 * fault models (`faultOf`) answer errors or a slow stream. Everything received is recorded.
 *
 * Another protocol's upstream (a `ProtocolUpstream`, test/upstreams/<provider>-upstream.ts)
 * serves the paths it `handles`: it reads its request into an `AnswerRequest`, asks
 * `context.answerFor`, and answers in its wire format, built on its provider's recordings;
 * it answers the fault models itself (`faultOf`, `writeSlowly`) and, with embeddings,
 * `embeddingVector` for each input.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { listenOnLoopback } from "../../models/test/listen-loopback.ts"

export interface UpstreamRequest {
  readonly path: string
  readonly headers: IncomingMessage["headers"]
  readonly body: Record<string, unknown>
  closedEarly: boolean
}

export interface ConformanceUpstream {
  readonly url: string
  readonly requests: UpstreamRequest[]
  close(): Promise<void>
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

export async function startConformanceUpstream(recordedDir: string, protocols: readonly ProtocolUpstream[] = []): Promise<ConformanceUpstream> {
  const requests: UpstreamRequest[] = []
  const recording = (name: string) => readFileSync(join(recordedDir, name), "utf8")
  const textCompletion = JSON.parse(recording("openai-text.json"))
  const textChunks = recording("openai-text.chunks.txt")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l))
  const deepseekTool = JSON.parse(recording("deepseek-tool-call.json"))
  const recordedWeatherArgs: string = deepseekTool.choices[0].message.tool_calls[0].function.arguments

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk)
    const body: Record<string, unknown> = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}")
    const recorded: UpstreamRequest = { path: req.url ?? "", headers: req.headers, body, closedEarly: false }
    requests.push(recorded)
    res.on("close", () => {
      if (!res.writableFinished) recorded.closedEarly = true
    })
    // A protocol's upstream answers its own fault models, in its own wire format.
    const context: UpstreamContext = { answerFor: (request) => answerFor(request, recordedWeatherArgs), recordedDir }
    const protocol = protocols.find((candidate) => candidate.handles(req.url ?? ""))
    if (protocol !== undefined) return protocol.serve({ path: req.url ?? "", body }, res, context)
    const model = String(body["model"] ?? "")
    const fault = faultOf(model)
    switch (fault) {
      case "rate-limit":
        return error(res, 429, { "retry-after": "1" }, "Rate limit reached for requests", "rate_limit_exceeded")
      case "server-error":
        return error(res, 500, {}, "The server had an error", null)
      case "slow":
        res.writeHead(200, { "content-type": "text/event-stream" })
        return writeSlowly(
          res,
          textChunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`),
          "data: [DONE]\n\n",
        )
      case undefined:
        break
      default: {
        const unreachable: never = fault
        return unreachable
      }
    }
    if (req.url === "/v1/embeddings") return embeddings(body, res)
    const answer = answerFor(openAIAnswerRequest(body), recordedWeatherArgs)
    if (body["stream"] === true) return stream(res, answer, textChunks, body)
    const message: Record<string, Json> = { role: "assistant", content: answer.content, refusal: null }
    if (answer.toolCalls.length > 0) {
      message["content"] = null
      message["tool_calls"] = answer.toolCalls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } }))
    }
    const completion = answer.recorded ? textCompletion : { ...textCompletion, choices: [{ index: 0, message, logprobs: null, finish_reason: answer.toolCalls.length > 0 ? "tool_calls" : "stop" }] }
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify(completion))
  })

  const listening = await listenOnLoopback(server)
  return {
    url: listening.url,
    requests,
    close: listening.close,
  }
}

/**
 * The fault models every protocol's upstream answers, whatever the request:
 * - `fault-429`: the provider's rate-limit error, with `retry-after: 1` (seconds);
 * - `fault-500`: the provider's server error (an HTTP 500);
 * - `slow-text`: a 200 stream of the recorded text, one frame every 50 ms (`writeSlowly`),
 *   so a client can abort it mid-way.
 */
export function faultOf(model: string): "rate-limit" | "server-error" | "slow" | undefined {
  if (model === "fault-429") return "rate-limit"
  if (model === "fault-500") return "server-error"
  if (model.startsWith("slow-")) return "slow"
  return undefined
}

/** Writes the frames 50 ms apart, then the last one; stops when the client went away. */
export async function writeSlowly(res: ServerResponse, frames: readonly string[], last: string): Promise<void> {
  for (const frame of frames) {
    if (res.destroyed) return
    res.write(frame)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  res.end(last)
}

/** Embeddings' size when the request names none. */
export const DEFAULT_EMBEDDING_DIMENSIONS = 16

/** The deterministic vector every protocol's upstream answers for the input at `index`: component d is (index + 1) / (d + 2). */
export function embeddingVector(index: number, dimensions: number): Float32Array {
  return Float32Array.from({ length: dimensions }, (_, d) => (index + 1) / (d + 2))
}

/** What the upstream answers: built from a recording, or for a request a recording cannot answer. */
export interface Answer {
  readonly recorded: boolean
  readonly content: string
  readonly toolCalls: readonly { readonly id: string; readonly name: string; readonly arguments: string }[]
}

/**
 * A request in any provider's protocol, reduced to what decides the answer. Each
 * protocol's handler reads its own wire format into this, so every backend gets the
 * same answers.
 */
export interface AnswerRequest {
  readonly tools: readonly { readonly name: string; readonly parameters: unknown }[]
  readonly toolChoice: "auto" | "none" | "required" | { readonly name: string }
  readonly parallelToolCalls: boolean
  /** Turns in the conversation (tool call ids are numbered by it). */
  readonly turns: number
  /** The text of the last turn when it is a tool result. */
  readonly lastToolResult: string | undefined
  readonly responseFormat: { readonly type: "json_schema"; readonly schema: unknown } | { readonly type: "json_object" } | undefined
  /** Every text of the conversation (a client may put the JSON schema in the prompt). */
  readonly texts: readonly string[]
}

/** A local upstream for one provider protocol, served beside the OpenAI-compatible one. */
export interface ProtocolUpstream {
  /** Whether this protocol serves the request path (e.g. `/v1/messages`). */
  handles(path: string): boolean
  serve(request: { readonly path: string; readonly body: Record<string, unknown> }, res: ServerResponse, context: UpstreamContext): void | Promise<void>
}

export interface UpstreamContext {
  readonly answerFor: (request: AnswerRequest) => Answer
  readonly recordedDir: string
}

/** The OpenAI chat body as an answer request. */
function openAIAnswerRequest(body: Record<string, unknown>): AnswerRequest {
  const messages: unknown[] = Array.isArray(body["messages"]) ? body["messages"] : []
  const last = messages.at(-1)
  const tools = (Array.isArray(body["tools"]) ? body["tools"] : []).flatMap((tool: unknown) =>
    isRecord(tool) && isRecord(tool["function"]) && typeof tool["function"]["name"] === "string" ? [{ name: tool["function"]["name"], parameters: tool["function"]["parameters"] ?? {} }] : [],
  )
  const choice = body["tool_choice"]
  const named = isRecord(choice) && isRecord(choice["function"]) && typeof choice["function"]["name"] === "string" ? choice["function"]["name"] : undefined
  const format = body["response_format"]
  const responseFormat: AnswerRequest["responseFormat"] = !isRecord(format)
    ? undefined
    : format["type"] === "json_schema"
      ? { type: "json_schema", schema: isRecord(format["json_schema"]) ? (format["json_schema"]["schema"] ?? {}) : {} }
      : format["type"] === "json_object"
        ? { type: "json_object" }
        : undefined
  return {
    tools,
    toolChoice: named !== undefined ? { name: named } : choice === "none" || choice === "required" ? choice : "auto",
    parallelToolCalls: body["parallel_tool_calls"] !== false,
    turns: messages.length,
    lastToolResult: isRecord(last) && last["role"] === "tool" ? textOf(last["content"]) : undefined,
    responseFormat,
    texts: messages.map((message) => (isRecord(message) ? textOf(message["content"]) : "")),
  }
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content
  if (Array.isArray(content)) return content.map((part) => (isRecord(part) && typeof part["text"] === "string" ? part["text"] : "")).join("\n")
  return String(content)
}

function answerFor(request: AnswerRequest, weatherArgs: string): Answer {
  const { tools, toolChoice: choice } = request
  const lastIsToolResult = request.lastToolResult !== undefined
  if (tools.length > 0 && choice !== "none" && (!lastIsToolResult || choice === "required")) {
    const named = typeof choice === "object" ? choice.name : undefined
    const candidates = tools.filter((tool) => named === undefined || tool.name === named)
    const count = named === undefined && request.parallelToolCalls ? Math.min(3, candidates.length) : 1
    return {
      recorded: false,
      content: "",
      toolCalls: candidates.slice(0, count).map((tool, index) => ({
        id: `call_${index}_${request.turns}`,
        name: tool.name,
        arguments: tool.name === "weather" || tool.name === "get_weather" ? weatherArgs : JSON.stringify(instanceOf(tool.parameters)),
      })),
    }
  }
  if (request.lastToolResult !== undefined) return { recorded: false, content: `Based on the tool: ${request.lastToolResult}`, toolCalls: [] }
  const format = request.responseFormat
  if (format?.type === "json_schema") return { recorded: false, content: JSON.stringify(instanceOf(format.schema)), toolCalls: [] }
  // JSON mode: clients that put the schema in the prompt (the AI SDK's compatible provider) get an instance of it.
  if (format?.type === "json_object") return { recorded: false, content: JSON.stringify(instanceOf(schemaInPrompt(request.texts) ?? { type: "object", properties: { ok: { type: "boolean" } } })), toolCalls: [] }
  return { recorded: true, content: "", toolCalls: [] }
}

/** The first JSON object in the conversation's texts that looks like a JSON Schema. */
function schemaInPrompt(texts: readonly string[]): unknown {
  for (const text of texts) {
    for (let start = text.indexOf("{"); start !== -1; start = text.indexOf("{", start + 1)) {
      for (let end = text.lastIndexOf("}"); end > start; end = text.lastIndexOf("}", end - 1)) {
        try {
          const candidate: unknown = JSON.parse(text.slice(start, end + 1))
          if (isRecord(candidate) && ("properties" in candidate || candidate["type"] === "object")) return candidate
          break
        } catch {
          // not this span
        }
      }
    }
  }
  return undefined
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}

/** A value that satisfies a JSON Schema of the kinds clients generate (objects, enums, arrays, primitives). */
function instanceOf(schema: unknown, root: unknown = schema): Json {
  if (!isRecord(schema)) return null
  if (typeof schema["$ref"] === "string") {
    const path = schema["$ref"].replace(/^#\//, "").split("/")
    let target: unknown = root
    for (const key of path) target = isRecord(target) ? target[key] : null
    return instanceOf(target, root)
  }
  if (Array.isArray(schema["enum"]) && schema["enum"].length > 0) return jsonOf(schema["enum"][0])
  if ("const" in schema) return jsonOf(schema["const"])
  for (const key of ["anyOf", "oneOf"]) {
    const options = schema[key]
    if (Array.isArray(options) && options.length > 0) return instanceOf(options.find((o) => isRecord(o) && o["type"] !== "null") ?? options[0], root)
  }
  const type = Array.isArray(schema["type"]) ? schema["type"].find((t) => t !== "null") : schema["type"]
  switch (type) {
    case "object": {
      const properties = isRecord(schema["properties"]) ? schema["properties"] : {}
      return Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, instanceOf(value, root)]))
    }
    case "array":
      return [instanceOf(schema["items"] ?? {}, root)]
    case "string":
      return "San Francisco"
    case "integer":
    case "number":
      return 42
    case "boolean":
      return true
    default:
      return {}
  }
}

function jsonOf(value: unknown): Json {
  return value === undefined ? null : JSON.parse(JSON.stringify(value))
}

/** A recorded stream's rhythm and identity, carrying this answer: text in small pieces, tool calls announced then fragmented. */
function stream(res: ServerResponse, answer: Answer, recorded: Record<string, Json>[], body: Record<string, unknown>): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
  if (answer.recorded) {
    for (const chunk of recorded) res.write(`data: ${JSON.stringify(chunk)}\n\n`)
    res.end("data: [DONE]\n\n")
    return
  }
  const base = recorded[0] ?? {}
  const usage = recorded.at(-1)?.["usage"] ?? null
  const frame = (delta: Json, finish: string | null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage: null })}\n\n`
  res.write(frame({ role: "assistant", content: "", refusal: null }, null))
  for (const piece of answer.content.match(/.{1,4}/gs) ?? []) res.write(frame({ content: piece }, null))
  for (const [index, call] of answer.toolCalls.entries()) {
    res.write(frame({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }] }, null))
    for (const piece of call.arguments.match(/.{1,3}/gs) ?? []) res.write(frame({ tool_calls: [{ index, function: { arguments: piece } }] }, null))
  }
  res.write(frame({}, answer.toolCalls.length > 0 ? "tool_calls" : "stop"))
  const options = body["stream_options"]
  if (typeof options === "object" && options !== null && "include_usage" in options && options.include_usage === true) {
    res.write(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`)
  }
  res.end("data: [DONE]\n\n")
}

function embeddings(body: Record<string, unknown>, res: ServerResponse): void {
  const input = body["input"]
  const inputs = typeof input === "string" ? [input] : Array.isArray(input) && typeof input[0] === "number" ? [input] : Array.isArray(input) ? input : []
  const dimensions = typeof body["dimensions"] === "number" ? body["dimensions"] : DEFAULT_EMBEDDING_DIMENSIONS
  const data = inputs.map((_, index) => {
    const vector = embeddingVector(index, dimensions)
    const embedding = body["encoding_format"] === "base64" ? Buffer.from(vector.buffer).toString("base64") : Array.from(vector)
    return { object: "embedding", index, embedding }
  })
  res.writeHead(200, { "content-type": "application/json" })
  res.end(JSON.stringify({ object: "list", data, model: "text-embedding-3-small", usage: { prompt_tokens: inputs.length, total_tokens: inputs.length } }))
}

function error(res: ServerResponse, status: number, headers: Record<string, string>, message: string, code: string | null): void {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify({ error: { message, type: status === 429 ? "requests" : "server_error", param: null, code } }))
}
