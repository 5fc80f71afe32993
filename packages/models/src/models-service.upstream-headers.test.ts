import type { ChatCall } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { testUpstreamOptions } from "../test/backend-calls.ts"
import { localUpstream } from "../test/local-upstream.ts"
import type { Admission, Limiter } from "./admission.ts"
import { createBackendRegistry, type ModelRoute } from "./backend-registry.ts"
import { createOpenAIBackend } from "./backends/openai-backend.ts"
import { CallFailure } from "./call/call-failure.ts"
import { createModelsService, type ModelsServiceOptions } from "./models-service.ts"

// OpenAI's documented answer headers: API reference "Debugging requests" (openai-organization,
// openai-processing-ms, openai-version, x-request-id) and the "Rate limits" guide's example
// (x-ratelimit-limit-requests 60, ..., x-ratelimit-reset-tokens 6m0s); `via` is a proxy's own.
const OPENAI_HEADERS = {
  "openai-organization": "user-abc123",
  "openai-processing-ms": "151",
  "openai-version": "2020-10-01",
  "x-request-id": "req_9f2c1e7a0b",
  "x-ratelimit-limit-requests": "60",
  "x-ratelimit-remaining-requests": "59",
  "x-ratelimit-reset-tokens": "6m0s",
  via: "1.1 internal-proxy.corp.example",
}
const PASSED = { "openai-processing-ms": "151", "openai-version": "2020-10-01", "x-upstream-request-id": "req_9f2c1e7a0b" }
/** Every answer's own: which attempts it took. */
const ATTEMPTS = { "x-gateway-attempts": expect.any(String) }
const UPSTREAM_LIMITS = { "x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "59", "x-ratelimit-reset-tokens": "6m0s" }

// Bodies from OpenAI's API reference: the chat completion object, a chunk, the embeddings list, and a 429's error object.
const completion = (model: string) => ({
  id: "chatcmpl-123",
  object: "chat.completion",
  created: 1677652288,
  model,
  choices: [{ index: 0, message: { role: "assistant", content: "Hello there" }, logprobs: null, finish_reason: "stop" }],
  usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
})
const chunk = (model: string, delta: Record<string, unknown>, finish: string | null) =>
  `data: ${JSON.stringify({ id: "chatcmpl-123", object: "chat.completion.chunk", created: 1694268190, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`

const upstream = localUpstream((request, res) => {
  const model = String(request.body["model"])
  if (model === "limited") {
    res.writeHead(429, { ...OPENAI_HEADERS, "x-ratelimit-remaining-requests": "0", "content-type": "application/json" })
    return res.end(JSON.stringify({ error: { message: "Rate limit reached for requests", type: "requests", param: null, code: "rate_limit_exceeded" } }))
  }
  if (request.path === "/embeddings") {
    res.writeHead(200, { ...OPENAI_HEADERS, "content-type": "application/json" })
    return res.end(JSON.stringify({ object: "list", data: [{ object: "embedding", embedding: [0.0023064255, -0.009327292], index: 0 }], model, usage: { prompt_tokens: 8, total_tokens: 8 } }))
  }
  if (request.body["stream"] === true) {
    res.writeHead(200, { ...OPENAI_HEADERS, "content-type": "text/event-stream" })
    return res.end(`${chunk(model, { role: "assistant", content: "" }, null)}${chunk(model, { content: "Hello" }, null)}${chunk(model, {}, "stop")}data: [DONE]\n\n`)
  }
  res.writeHead(200, { ...OPENAI_HEADERS, "content-type": "application/json" })
  return res.end(JSON.stringify(completion(model)))
})

/** A limiter whose rule applies to every call: its own x-ratelimit-* on each answer. */
const gatewayLimit: Limiter = {
  admit: async (): Promise<Admission> => ({ headers: { "x-ratelimit-limit-requests": "5", "x-ratelimit-remaining-requests": "4", "x-ratelimit-reset-requests": "1m0s" }, settle: () => undefined }),
  peekHeaders: async () => ({}),
}

function service(options: { readonly limiter?: Limiter; readonly exposeOrganization?: boolean; readonly model?: string } = {}) {
  const backend = createOpenAIBackend({ ...testUpstreamOptions(upstream.url(), "sk-test"), exposeUpstreamOrganization: options.exposeOrganization ?? false })
  const route: ModelRoute<typeof backend> = { kind: "generative", logicalName: "chat", upstreamModel: options.model ?? "gpt-4o", backend, extraFields: new Set() }
  const registry = createBackendRegistry(new Map([["chat", route]]), new Map([["chat", { ...route, kind: "embedding" as const }]]), { generative: new Map(), embedding: new Map() })
  const limits: ModelsServiceOptions["limits"] =
    options.limiter === undefined ? undefined : { limiter: options.limiter, estimateChat: () => ({ prompt: 1, completion: 1 }), estimateCompletion: () => ({ prompt: 1, completion: 1 }), estimateEmbed: () => 1 }
  const clock = { now: () => 0, random: () => 0, sleep: async () => undefined }
  return createModelsService(registry, { started: () => undefined, record: () => undefined }, { routingClock: clock, ...(limits === undefined ? {} : { limits }) })
}
const meta = () => ({ tenant: "t", user: "u", endpoint: "chat.completions", signal: new AbortController().signal })
const chat = (stream = false): ChatCall => ({ input: { messages: [{ role: "user", content: "Hello" }] }, opts: { model: "chat" }, stream, includeUsage: stream })

describe("the upstream's answer headers, through the models service", () => {
  it("a chat answer carries the kept ones, the upstream's x-ratelimit-* as they are when no gateway limit applies, and no other", async () => {
    const { headers } = await service().chat(chat(), meta())
    expect(headers).toEqual({ ...PASSED, ...UPSTREAM_LIMITS, ...ATTEMPTS })
  })

  it("under a gateway limit the upstream's limits are x-upstream-ratelimit-*, and the gateway's own x-ratelimit-* stay", async () => {
    const { headers } = await service({ limiter: gatewayLimit }).chat(chat(), meta())
    expect(headers).toEqual({
      ...PASSED,
      ...ATTEMPTS,
      "x-ratelimit-limit-requests": "5",
      "x-ratelimit-remaining-requests": "4",
      "x-ratelimit-reset-requests": "1m0s",
      "x-upstream-ratelimit-limit-requests": "60",
      "x-upstream-ratelimit-remaining-requests": "59",
      "x-upstream-ratelimit-reset-tokens": "6m0s",
    })
  })

  it("openai-organization only when the model's config opts in", async () => {
    expect((await service({ exposeOrganization: true }).chat(chat(), meta())).headers["openai-organization"]).toBe("user-abc123")
  })

  it("an opened stream carries them, and its chunks do not", async () => {
    const opened = await service().openChatStream(chat(true), meta())
    expect(opened.headers).toEqual({ ...PASSED, ...UPSTREAM_LIMITS, ...ATTEMPTS })
    expect(opened.first.done === true ? undefined : Object.keys(opened.first.value)).not.toContain("upstreamHeaders")
    for (let step = await opened.rest.next(); step.done !== true; step = await opened.rest.next()) expect(Object.keys(step.value)).not.toContain("upstreamHeaders")
  })

  it("an embeddings answer carries them", async () => {
    const { headers } = await service().embedCall({ input: "The food was delicious", opts: { model: "chat" }, encodingFormat: "float" }, { ...meta(), endpoint: "embeddings" })
    expect(headers).toEqual({ ...PASSED, ...UPSTREAM_LIMITS, ...ATTEMPTS })
  })

  it("a 429 the client gets keeps the upstream's headers of the last attempt, beside the attempts'", async () => {
    const failure = await service({ model: "limited" })
      .chat(chat(), meta())
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(CallFailure)
    expect(CallFailure.headersOf(failure)).toMatchObject({ ...PASSED, ...UPSTREAM_LIMITS, "x-ratelimit-remaining-requests": "0" })
    expect(Object.keys(CallFailure.headersOf(failure))).toContain("x-gateway-attempts")
    expect(Object.keys(CallFailure.headersOf(failure))).not.toContain("via")
  })
})
