/**
 * The conformance suite's local Anthropic upstream (`POST /v1/messages`): reads the
 * Messages API request into the protocol-neutral AnswerRequest, lets the suite's
 * `answerFor` decide, and writes the answer in Anthropic's wire format on a real
 * recording's envelope and usage (shared/fixtures/recorded/anthropic/anthropic-text,
 * streamed and not). A plain chat answers the recording itself. With thinking enabled
 * the answer starts with the recorded signed thinking block
 * (anthropic-clear-thinking.1), and, as the real API does, a later turn that sends a
 * tool call back without its thinking is refused with Anthropic's 400. Fault models
 * (`faultOf`) answer Anthropic's rate-limit and server errors, or drip the recorded stream.
 * `anthropicChatExtractors` read what a Messages API request carried, for the suite.
 */
import type { ServerResponse } from "node:http"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { ChatExtractors, SentImage, SentTurn } from "../conformance-target.ts"
import { faultOf, isRecord, writeSlowly, type Answer, type AnswerRequest, type ProtocolUpstream, type UpstreamRequest } from "../conformance-upstream.ts"

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

interface Recordings {
  readonly text: Record<string, Json>
  readonly textLines: readonly string[]
  readonly thinkingBlock: Json
}

const loaded = new Map<string, Recordings>()
function load(recordedDir: string): Recordings {
  const known = loaded.get(recordedDir)
  if (known !== undefined) return known
  // The suite passes the openai-compatible directory; the Anthropic recordings sit beside it.
  const dir = join(recordedDir, "..", "anthropic")
  const read = (name: string) => readFileSync(join(dir, name), "utf8")
  const thinking: unknown = JSON.parse(read("anthropic-clear-thinking.1.json"))
  const thinkingContent = isRecord(thinking) && Array.isArray(thinking["content"]) ? thinking["content"] : []
  const recordings: Recordings = {
    text: JSON.parse(read("anthropic-text.json")),
    textLines: read("anthropic-text.chunks.txt")
      .split("\n")
      .filter((line) => line.trim() !== ""),
    thinkingBlock: jsonOf(thinkingContent[0]),
  }
  loaded.set(recordedDir, recordings)
  return recordings
}

const frameOf = (line: string) => `event: ${String(JSON.parse(line).type)}\ndata: ${line}\n\n`

export const anthropicUpstream: ProtocolUpstream = {
  handles: (path) => path === "/v1/messages" || path.startsWith("/v1/messages?"),
  async serve(request, res, context) {
    const recorded = load(context.recordedDir)
    const body = request.body
    const model = String(body["model"] ?? "")
    const fault = faultOf(model)
    switch (fault) {
      // Anthropic's documented error bodies (docs.anthropic.com, Errors).
      case "rate-limit":
        res.writeHead(429, { "content-type": "application/json", "retry-after": "1" })
        return void res.end(JSON.stringify({ type: "error", error: { type: "rate_limit_error", message: "Number of requests has exceeded your per-minute rate limit" }, request_id: "req_conformance" }))
      case "server-error":
        return error(res, 500, "api_error", "Internal server error")
      case "slow":
        res.writeHead(200, { "content-type": "text/event-stream" })
        return writeSlowly(res, recorded.textLines.map(frameOf), "")
      case undefined:
        break
      default: {
        const unreachable: never = fault
        return unreachable
      }
    }
    const invalid = invalidRequest(body)
    if (invalid !== undefined) return error(res, 400, "invalid_request_error", invalid)
    const thinking = isRecord(body["thinking"]) && body["thinking"]["type"] === "enabled"
    const answer = context.answerFor(anthropicAnswerRequest(body))
    const prefix: Json[] = thinking ? [recorded.thinkingBlock] : []
    if (body["stream"] === true) return stream(res, answer, prefix, recorded)
    res.writeHead(200, { "content-type": "application/json" })
    if (answer.recorded && !thinking) return void res.end(JSON.stringify(recorded.text))
    const content: Json[] = [...prefix]
    const text = answer.recorded ? recordedText(recorded.text) : answer.content
    if (text !== "") content.push({ type: "text", text })
    for (const call of answer.toolCalls) content.push({ type: "tool_use", id: call.id, name: call.name, input: jsonOf(JSON.parse(call.arguments)) })
    res.end(JSON.stringify({ ...recorded.text, content, stop_reason: answer.toolCalls.length > 0 ? "tool_use" : "end_turn" }))
  },
}

/** What the real API refuses that a backend could get wrong: no max_tokens, and a tool-use turn that lost its thinking while thinking is on. */
function invalidRequest(body: Record<string, unknown>): string | undefined {
  if (typeof body["max_tokens"] !== "number") return "max_tokens: Field required"
  const thinking = isRecord(body["thinking"]) && body["thinking"]["type"] === "enabled"
  if (!thinking) return undefined
  const messages: unknown[] = Array.isArray(body["messages"]) ? body["messages"] : []
  for (const [i, message] of messages.entries()) {
    if (!isRecord(message) || message["role"] !== "assistant" || !Array.isArray(message["content"])) continue
    const blocks: unknown[] = message["content"]
    const callsTools = blocks.some((block) => isRecord(block) && block["type"] === "tool_use")
    const first = blocks[0]
    const startsWithThinking = isRecord(first) && (first["type"] === "thinking" || first["type"] === "redacted_thinking")
    // The API's own words (extended thinking with tool use).
    if (callsTools && !startsWithThinking)
      return `messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${isRecord(first) ? String(first["type"]) : "nothing"}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block.`
  }
  return undefined
}

/** A Messages API body as the protocol-neutral request that decides the answer. */
function anthropicAnswerRequest(body: Record<string, unknown>): AnswerRequest {
  const messages: unknown[] = Array.isArray(body["messages"]) ? body["messages"] : []
  const tools = (Array.isArray(body["tools"]) ? body["tools"] : []).flatMap((tool: unknown) => (isRecord(tool) && typeof tool["name"] === "string" ? [{ name: tool["name"], parameters: tool["input_schema"] ?? {} }] : []))
  const choice = isRecord(body["tool_choice"]) ? body["tool_choice"] : undefined
  const toolChoice: AnswerRequest["toolChoice"] = choice?.["type"] === "tool" && typeof choice["name"] === "string" ? { name: choice["name"] } : choice?.["type"] === "any" ? "required" : choice?.["type"] === "none" ? "none" : "auto"
  const format = isRecord(body["output_config"]) && isRecord(body["output_config"]["format"]) ? body["output_config"]["format"] : undefined
  const last = messages.at(-1)
  const lastBlocks: unknown[] = isRecord(last) && last["role"] === "user" && Array.isArray(last["content"]) ? last["content"] : []
  const results = lastBlocks.filter((block) => isRecord(block) && block["type"] === "tool_result")
  const system = Array.isArray(body["system"]) ? [textOf(body["system"])] : typeof body["system"] === "string" ? [body["system"]] : []
  return {
    tools,
    toolChoice,
    parallelToolCalls: choice?.["disable_parallel_tool_use"] !== true,
    turns: messages.length,
    lastToolResult: results.length === 0 ? undefined : results.map((block) => (isRecord(block) ? textOf(block["content"]) : "")).join("\n"),
    responseFormat: format?.["type"] === "json_schema" ? { type: "json_schema", schema: format["schema"] ?? {} } : undefined,
    texts: [...system, ...messages.map((message) => (isRecord(message) ? textOf(message["content"]) : ""))],
  }
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content
  if (Array.isArray(content)) return content.map((block) => (isRecord(block) && typeof block["text"] === "string" ? block["text"] : "")).join("\n")
  return ""
}

function recordedText(message: Record<string, Json>): string {
  const content = message["content"]
  return Array.isArray(content) ? content.map((block) => (isRecord(block) && typeof block["text"] === "string" ? block["text"] : "")).join("") : ""
}

/** The answer as Anthropic streams it, on the recorded stream's message_start and final usage. */
function stream(res: ServerResponse, answer: Answer, prefix: readonly Json[], recorded: Recordings): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
  const send = (event: Record<string, Json>) => res.write(`event: ${String(event["type"])}\ndata: ${JSON.stringify(event)}\n\n`)
  if (answer.recorded && prefix.length === 0) {
    for (const line of recorded.textLines) res.write(frameOf(line))
    return void res.end()
  }
  const parsed = recorded.textLines.map((line): Record<string, Json> => JSON.parse(line))
  const start = parsed.find((event) => event["type"] === "message_start")
  const finalUsage = parsed.find((event) => event["type"] === "message_delta")?.["usage"] ?? null
  if (start !== undefined) send(start)
  let index = 0
  for (const block of prefix) {
    if (!isRecord(block)) continue
    send({ type: "content_block_start", index, content_block: { type: "thinking", thinking: "", signature: "" } })
    send({ type: "content_block_delta", index, delta: { type: "thinking_delta", thinking: String(block["thinking"] ?? "") } })
    send({ type: "content_block_delta", index, delta: { type: "signature_delta", signature: String(block["signature"] ?? "") } })
    send({ type: "content_block_stop", index })
    index++
  }
  const text = answer.recorded ? recordedText(recorded.text) : answer.content
  if (text !== "") {
    send({ type: "content_block_start", index, content_block: { type: "text", text: "" } })
    for (const piece of text.match(/.{1,4}/gs) ?? []) send({ type: "content_block_delta", index, delta: { type: "text_delta", text: piece } })
    send({ type: "content_block_stop", index })
    index++
  }
  for (const call of answer.toolCalls) {
    send({ type: "content_block_start", index, content_block: { type: "tool_use", id: call.id, name: call.name, input: {} } })
    for (const piece of call.arguments.match(/.{1,3}/gs) ?? []) send({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: piece } })
    send({ type: "content_block_stop", index })
    index++
  }
  send({ type: "message_delta", delta: { stop_reason: answer.toolCalls.length > 0 ? "tool_use" : "end_turn", stop_sequence: null }, usage: finalUsage })
  send({ type: "message_stop" })
  res.end()
}

function error(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify({ type: "error", error: { type, message }, request_id: "req_conformance" }))
}

function jsonOf(value: unknown): Json {
  return value === undefined ? null : JSON.parse(JSON.stringify(value))
}

const messagesOf = (request: UpstreamRequest): unknown[] => (Array.isArray(request.body["messages"]) ? request.body["messages"] : [])
const blocksOf = (content: unknown): unknown[] => (Array.isArray(content) ? content : typeof content === "string" ? [{ type: "text", text: content }] : [])
const textsOf = (blocks: readonly unknown[]): string => blocks.flatMap((block) => (isRecord(block) && block["type"] === "text" && typeof block["text"] === "string" ? [block["text"]] : [])).join("\n")

/** The turns of a Messages API request: `system` first, each tool_result block a `tool` turn, the rest of a user turn a `user` turn. */
function turnsOf(request: UpstreamRequest): SentTurn[] {
  const turns: SentTurn[] = []
  const system = request.body["system"]
  if (system !== undefined) turns.push({ role: "system", text: textsOf(blocksOf(system)), toolCalls: [] })
  for (const message of messagesOf(request)) {
    if (!isRecord(message)) continue
    const blocks = blocksOf(message["content"])
    if (message["role"] === "assistant") {
      const toolCalls = blocks.flatMap((block) => (isRecord(block) && block["type"] === "tool_use" && typeof block["name"] === "string" ? [block["name"]] : []))
      turns.push({ role: "assistant", text: textsOf(blocks), toolCalls })
      continue
    }
    const results = blocks.filter((block) => isRecord(block) && block["type"] === "tool_result")
    for (const result of results) if (isRecord(result)) turns.push({ role: "tool", text: textsOf(blocksOf(result["content"])), toolCalls: [] })
    const rest = blocks.filter((block) => !(isRecord(block) && block["type"] === "tool_result"))
    if (rest.length > 0 || results.length === 0) turns.push({ role: "user", text: textsOf(rest), toolCalls: [] })
  }
  return turns
}

function imageOf(block: unknown): SentImage[] {
  if (!isRecord(block) || block["type"] !== "image" || !isRecord(block["source"])) return []
  const source = block["source"]
  if (source["type"] === "base64" && typeof source["media_type"] === "string" && typeof source["data"] === "string") return [{ mediaType: source["media_type"], data: source["data"] }]
  if (source["type"] === "url" && typeof source["url"] === "string") return [{ url: source["url"] }]
  return []
}

export const anthropicChatExtractors: ChatExtractors = {
  isModelCall: (request) => anthropicUpstream.handles(request.path),
  turnsSent: turnsOf,
  imagesSent: (request) => messagesOf(request).flatMap((message) => (isRecord(message) ? blocksOf(message["content"]).flatMap(imageOf) : [])),
  jsonSchemaSent: (request) => {
    // The native output format, or the forced tool that carries the schema; Anthropic has no schema name or strict flag.
    const config = request.body["output_config"]
    if (isRecord(config) && isRecord(config["format"]) && config["format"]["type"] === "json_schema") return { schema: config["format"]["schema"], name: null, strict: null }
    const choice = request.body["tool_choice"]
    if (!isRecord(choice) || choice["type"] !== "tool") return undefined
    const tools: unknown[] = Array.isArray(request.body["tools"]) ? request.body["tools"] : []
    const forced = tools.find((tool) => isRecord(tool) && tool["name"] === choice["name"] && tool["description"] === "Respond with a JSON object.")
    return isRecord(forced) ? { schema: forced["input_schema"], name: null, strict: null } : undefined
  },
}
