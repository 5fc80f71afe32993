/**
 * Canned upstream answers for fidelity.integration.test.ts (issue 10 §0), served by the
 * replay upstream for models named `fidelity-…`: answers every client accepts from a
 * provider though they break the spec (missing identity, `created` as a string, content
 * parts, tool calls without id or with object arguments, streams without a finish reason
 * or without `choices`), answers rich in data (annotations, logprobs, citations, content
 * null), upstream errors (401/403/404/409/413/422, `retry-after: 120`), n = 2, and the
 * AI SDK capture's float embeddings. Exported so the test compares the client's answer
 * with exactly what the upstream sent.
 */
import { readFileSync } from "node:fs"
import type { ServerResponse } from "node:http"

const translateFixture = (path: string): string => readFileSync(new URL(`../../translate/test/fixtures/${path}`, import.meta.url), "utf8")
const fixtureLines = (path: string): unknown[] =>
  translateFixture(path)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line))

export type CannedAnswer =
  | { readonly kind: "json"; readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body: unknown }
  | { readonly kind: "stream"; readonly lines: readonly unknown[]; readonly done: boolean }

const json = (body: unknown, status = 200, headers: Record<string, string> = {}): CannedAnswer => ({ kind: "json", status, headers, body })
const stream = (lines: readonly unknown[], done = true): CannedAnswer => ({ kind: "stream", lines, done })
const chunk = (delta: object, finish: string | null = null, extra: object = {}) => ({
  id: "chatcmpl-up",
  object: "chat.completion.chunk",
  created: 1_700_000_000,
  model: "up-model",
  choices: [{ index: 0, delta, finish_reason: finish }],
  ...extra,
})
const upstreamError = (status: number, code: string) => json({ error: { message: `Upstream says ${status}.`, type: status === 401 ? "authentication_error" : "invalid_request_error", param: null, code } }, status)

/** The float answer the AI SDK's embed case got from its upstream (../shared/research/captures/aisdk-compat-embed.json). */
export const CAPTURED_EMBEDDING = [0.1, 0.11, 0.12, 0.13]

/** Non-streamed and streamed answers per model; a model with only one kind answers it for both. */
export const FIDELITY_ANSWERS: Readonly<Record<string, { readonly answer?: CannedAnswer; readonly stream?: CannedAnswer }>> = {
  "fidelity-missing-identity": { answer: json({ choices: [{ index: 0, message: { role: "assistant", content: "no id, no created, no model, no finish" } }] }) },
  "fidelity-created-string": {
    answer: json({ id: "chatcmpl-s", object: "chat.completion", created: "1700000000", model: "up-model", choices: [{ index: 0, message: { role: "assistant", content: "created is text" }, finish_reason: "stop" }] }),
  },
  "fidelity-content-parts": { answer: json(JSON.parse(translateFixture("mistral/magistral-thinking.json"))), stream: stream(fixtureLines("mistral/magistral-thinking.chunks.txt")) },
  "fidelity-tool-call-repairs": {
    answer: json({
      id: "chatcmpl-t",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "up-model",
      choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [{ type: "function", function: { name: "lookup", arguments: { city: "Paris" } } }] }, finish_reason: null }],
    }),
  },
  "fidelity-done-without-finish": { stream: stream([chunk({ role: "assistant", content: "" }), chunk({ content: "ends with [DONE]" }), chunk({ content: " but no finish" })]) },
  "fidelity-chunks-without-choices": {
    stream: stream([
      { id: "chatcmpl-nc", object: "chat.completion.chunk", created: 1_700_000_000, model: "up-model" },
      chunk({ role: "assistant", content: "some chunks" }),
      { id: "chatcmpl-nc", object: "chat.completion.chunk", created: 1_700_000_000, model: "up-model", usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } },
      chunk({ content: " have no choices" }, "stop"),
    ]),
  },
  "fidelity-cut-stream": { stream: stream([chunk({ role: "assistant", content: "cut" }), chunk({ content: " without [DONE]" })], false) },
  "fidelity-rich": {
    answer: json({
      id: "chatcmpl-rich",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "up-model",
      citations: ["https://example.com/a"],
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "See the source.",
            refusal: null,
            annotations: [{ type: "url_citation", url_citation: { url: "https://example.com/a", title: "A", start_index: 4, end_index: 14 } }],
          },
          logprobs: { content: [{ token: "See", logprob: -0.5, bytes: [83, 101, 101], top_logprobs: [{ token: "See", logprob: -0.5, bytes: [83, 101, 101] }] }], refusal: null },
          finish_reason: "stop",
        },
      ],
      // Provider fields a direct client reads in usage (Groq's timing, DeepSeek's cache split).
      usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9, queue_time: 0.012, prompt_cache_hit_tokens: 2, prompt_cache_miss_tokens: 3 },
    }),
  },
  "fidelity-content-null": {
    answer: json({
      id: "chatcmpl-null",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "up-model",
      choices: [{ index: 0, message: { role: "assistant", content: null, refusal: "I can't help with that." }, finish_reason: "stop" }],
    }),
  },
  "fidelity-status-401": { answer: upstreamError(401, "invalid_api_key") },
  "fidelity-status-403": { answer: upstreamError(403, "forbidden") },
  "fidelity-status-404": { answer: upstreamError(404, "not_found") },
  "fidelity-status-409": { answer: upstreamError(409, "conflict") },
  "fidelity-status-413": { answer: upstreamError(413, "request_too_large") },
  "fidelity-status-422": { answer: upstreamError(422, "unprocessable_entity") },
  "fidelity-retry-after-120": {
    answer: json({ error: { message: "Rate limit reached.", type: "requests", param: null, code: "rate_limit_exceeded" } }, 429, { "retry-after": "120" }),
  },
  "fidelity-n2": { answer: json(JSON.parse(translateFixture("openai/n2.json"))), stream: stream(fixtureLines("openai/n2.chunks.txt")) },
}

/** Serves a `fidelity-…` model: its canned answer, or the captured embedding in the encoding asked for. */
export function answerFidelity(path: string, body: Readonly<Record<string, unknown>>, res: ServerResponse): void {
  const model = String(body["model"])
  if (path === "/v1/embeddings") {
    const embedding = body["encoding_format"] === "base64" ? Buffer.from(Float32Array.from(CAPTURED_EMBEDDING).buffer).toString("base64") : CAPTURED_EMBEDDING
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify({ object: "list", data: [{ object: "embedding", index: 0, embedding }], model, usage: { prompt_tokens: 3, total_tokens: 3 } }))
    return
  }
  const canned = FIDELITY_ANSWERS[model]
  const answer = body["stream"] === true ? (canned?.stream ?? canned?.answer) : (canned?.answer ?? canned?.stream)
  if (answer === undefined) {
    res.writeHead(404, { "content-type": "application/json" })
    res.end(JSON.stringify({ error: { message: `no canned answer for ${model}`, type: "invalid_request_error", param: "model", code: "model_not_found" } }))
    return
  }
  if (answer.kind === "json") {
    res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers })
    res.end(JSON.stringify(answer.body))
    return
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
  for (const line of answer.lines) res.write(`data: ${JSON.stringify(line)}\n\n`)
  res.end(answer.done ? "data: [DONE]\n\n" : "")
}
