/**
 * The mission's acceptance test, for every client users bring and every backend: unmodified
 * SDKs (openai, LangChain, the Vercel AI SDK, MCP sampling), with only their base URL and
 * API key set, against a real Harper with the gateway plugin, whose backend under test talks
 * to a local upstream (conformance-upstream.ts) replaying real recorded responses. Between
 * the clients and Harper a transparent proxy validates everything they received against the
 * official OpenAI spec. `runConformanceSuite(target)` registers every scenario for one
 * backend; each backend's test file calls it once, and its table lands in docs/ (below).
 *
 * ## Adding a backend: packages/conformance/test/clients-<provider>.conformance.test.ts
 *
 * ```ts
 * import { readFileSync } from "node:fs"
 * import { join } from "node:path"
 * import { sharedDir } from "../../translate/test/shared-dir.ts"
 * import { runConformanceSuite } from "./conformance-suite.ts"
 * import { anthropicUpstream, anthropicChatExtractors } from "./upstreams/anthropic-upstream.ts"
 *
 * const recorded = (file: string) => readFileSync(join(sharedDir, "fixtures", "recorded", "anthropic", file), "utf8")
 * const message = JSON.parse(recorded("anthropic-text.json"))
 * runConformanceSuite({
 *   name: "anthropic",
 *   description: "The `anthropic` backend, against a local Messages API replaying recorded Anthropic responses.",
 *   protocols: [anthropicUpstream],
 *   chatModel: "claude-haiku-4-5",
 *   entry: (upstreamUrl, model) => ({ backend: "anthropic", baseUrl: upstreamUrl, apiKey: "sk-ant-conformance", model }),
 *   expected: { text: message.content[0].text, streamText: "…joined text_delta of anthropic-text.chunks.txt…", totalTokens: message.usage.input_tokens + message.usage.output_tokens, streamUsage: { promptTokens: …, completionTokens: … } },
 *   extract: anthropicChatExtractors,
 *   embeddings: { on: "openai", reason: "Anthropic has no embeddings API" },
 *   cannot: { "openai: embeddings.create with token arrays": "…" }, // by test name "<client>: <scenario>"
 * })
 * ```
 *
 * The contract a target's protocol upstream (upstreams/<provider>-upstream.ts, a
 * `ProtocolUpstream`) keeps, so every scenario means the same on every backend:
 * - `handles(path)` claims its protocol's paths; `serve` reads the request into an
 *   `AnswerRequest` and answers `context.answerFor(…)` in its wire format, on its provider's
 *   recordings: a recorded answer (`answer.recorded`) replays the recording itself (non-stream
 *   and stream), so `expected` reads the same files.
 * - Fault models, whatever the request (`faultOf(model)`; the model must reach the upstream:
 *   for Gemini it is in the URL path): `fault-429` answers the provider's rate-limit error with
 *   `retry-after: 1` (seconds), `fault-500` its server error (HTTP 500), `slow-text` a 200
 *   stream of the recorded text, one frame every 50 ms (`writeSlowly`), at least 5 frames.
 * - Embeddings (if the backend has them): `embeddingVector(index, dimensions)` for each input,
 *   `DEFAULT_EMBEDDING_DIMENSIONS` when none asked.
 * - The target's extractors (`ChatExtractors`, `EmbeddingExtractors` in conformance-target.ts)
 *   read what its protocol carried: the turns, images, JSON schema, embedding inputs, and
 *   which requests are model calls (retry counts, accounting rows).
 * - `expected` is read from the recording files, never computed by the gateway's code.
 * - `embeddings`: `{ on: "self", … }` for the backend's own, `{ on: "openai", reason }` to run
 *   the embedding scenarios on the openai backend (the table says so on each row), or
 *   `{ on: "cannot", reason }`.
 * - `cannot`: scenarios the provider truly cannot do, by test name, with the reason: they are
 *   registered as skipped and the table shows `cannot: reason`. A name matching no scenario
 *   fails the file.
 *
 * Run it: `npx -y pnpm@12.21.0 exec vitest run packages/conformance/test/clients-<provider>.conformance.test.ts`;
 * `npx -y pnpm@12.21.0 conformance` (CONFORMANCE_WRITE=1) writes docs/conformance-<provider>.md,
 * and docs/conformance.md (the openai backend's table) links every target with a test file.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createOpenAI } from "@ai-sdk/openai"
import { createOpenAICompatible } from "@ai-sdk/openai-compatible"
import { ChatOpenAI, OpenAIEmbeddings } from "@langchain/openai"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js"
import { CreateMessageRequestSchema, CreateMessageResultSchema, CreateMessageResultWithToolsSchema } from "@modelcontextprotocol/sdk/types.js"
import { embed, embedMany, generateObject, generateText, Output, stepCountIs, streamText, tool } from "ai"
import OpenAI from "openai"
import { zodFunction, zodResponseFormat, zodTextFormat } from "openai/helpers/zod"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { z } from "zod"
import { startHarper, type HarperInstance } from "../../harper-resources/dev/harper-process.ts"
import { recordedDir } from "../../translate/test/shared-dir.ts"
import type { ConformanceTarget, EmbeddingBackend } from "./conformance-target.ts"
import { startConformanceUpstream, type ConformanceUpstream, type UpstreamRequest } from "./conformance-upstream.ts"
import { createConformanceTable, otherTargets, tableFileName } from "./conformance-table.ts"
import { openAIEmbeddings } from "./openai-target.ts"
import { startValidatingProxy, type ValidatingProxy } from "./validating-proxy.ts"

/** What a target's `entry` gets as the upstream's URL: Harper reads it from the environment. */
const UPSTREAM_PLACEHOLDER = "${CONFORMANCE_UPSTREAM}"
const EMBEDDING_MODEL = "text-embedding-3-small"
const admin = { username: "admin", password: "conformance-admin-pw" }
const basic = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}`
const weatherTool = {
  type: "function" as const,
  function: { name: "weather", description: "Weather for a location", parameters: { type: "object", properties: { location: { type: "string" } }, required: ["location"] } },
}

function tableHeader(target: ConformanceTarget): string {
  const title = `# Conformance: unmodified clients against the gateway in Harper${target.name === "openai" ? "" : `, ${target.name} backend`}`
  const generated = `Generated by \`npx -y pnpm@12.21.0 conformance\` (Node ${process.version}).`
  if (target.name !== "openai") return [title, "", target.description, "", generated, "", "The `openai` backend's table, with the other backends', is in [conformance.md](conformance.md)."].join("\n")
  const others = otherTargets()
  const index =
    others.length === 0
      ? "No other backend has a conformance target yet."
      : `The same scenarios against the other backends (a provider's table marks what it cannot do as \`cannot: reason\`): ${others.map((name) => `[${name}](${tableFileName(name)})`).join(", ")}.`
  return [title, "", generated, "", `${target.description} ${index}`].join("\n")
}

/** The embedding backend a target's embedding scenarios run on, and where, when not its own. */
function embeddingsFor(target: ConformanceTarget): { readonly backend: EmbeddingBackend; readonly ranOn: string | undefined } | undefined {
  const embeddings = target.embeddings
  switch (embeddings.on) {
    case "self":
      return { backend: embeddings, ranOn: undefined }
    case "openai":
      return { backend: openAIEmbeddings, ranOn: `on the openai backend: ${embeddings.reason}` }
    case "cannot":
      return undefined
    default: {
      const unreachable: never = embeddings
      return unreachable
    }
  }
}

/** The gateway tries a fault model once: no retries of its own, no cooldown. */
const SINGLE_ATTEMPT = { retries: { max: 0 }, cooldown: { enabled: false } }

export function runConformanceSuite(target: ConformanceTarget): void {
  const table = createConformanceTable(target.name)
  const chatModel = target.chatModel
  const expected = target.expected
  const embeddings = embeddingsFor(target)
  const registered = new Set<string>()

  function scenario(client: string, name: string, run: () => Promise<void>, options: { readonly timeout?: number; readonly ranOn?: string | undefined; readonly cannot?: string | undefined } = {}): void {
    const testName = `${client}: ${name}`
    registered.add(testName)
    table.scenario(client, name, run, { ...options, cannot: options.cannot ?? target.cannot[testName] })
  }

  /** An embeddings scenario: on the target's embeddings, the openai backend's, or cannot. */
  function embeddingScenario(client: string, name: string, run: () => Promise<void>): void {
    const cannot = target.embeddings.on === "cannot" ? target.embeddings.reason : undefined
    scenario(client, name, run, { ranOn: embeddings?.ranOn, cannot })
  }

  function embeddingBackend(): EmbeddingBackend {
    if (embeddings === undefined) throw new Error(`${target.name} has no embeddings`)
    return embeddings.backend
  }

  const embeddingsOf = (request: UpstreamRequest) => embeddings?.backend.extract.embeddingInputs(request)

  /** Reads the last request the upstream received. */
  function lastRequest<T>(read: (request: UpstreamRequest) => T): T {
    const request = upstream.requests.at(-1)
    if (request === undefined) throw new Error("the upstream received no request")
    return read(request)
  }

  /** The zod `holiday` schema reached the upstream (its name and strictness where the protocol carries them). */
  function expectHolidaySchemaSent(): void {
    const sent = lastRequest((r) => target.extract.jsonSchemaSent(r))
    expect(sent?.schema).toMatchObject({ type: "object", properties: { name: { type: "string" }, month: { type: "number" }, public: { type: "boolean" } } })
    if (sent?.name !== null) expect(sent?.name).toBe("holiday")
    if (sent?.strict !== null) expect(sent?.strict).toBe(true)
  }

  let harper: HarperInstance
  let upstream: ConformanceUpstream
  let proxy: ValidatingProxy
  let root: string
  let key: string
  let deniedKey: string
  /** alice's Harper JWT, minted through the operations API with her password: LangChain uses it as its API key. */
  let aliceJwt: string
  let baseURL: string

  async function operation(body: Record<string, unknown>): Promise<unknown> {
    const response = await fetch(harper.operationsUrl, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify(body) })
    return response.json()
  }

  async function createKey(user: string, tenant: string): Promise<string> {
    const response = await fetch(`${harper.url}/gateway/keys`, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify({ user, tenant }) })
    const body: unknown = await response.json()
    if (typeof body !== "object" || body === null || !("key" in body) || typeof body.key !== "string") throw new Error(`no key: ${JSON.stringify(body)}`)
    return body.key
  }

  beforeAll(async () => {
    upstream = await startConformanceUpstream(recordedDir, target.protocols)
    root = mkdtempSync(join(tmpdir(), "harper-gateway-conformance-"))
    const entry = (upstreamModel: string) => target.entry(UPSTREAM_PLACEHOLDER, upstreamModel)
    harper = await startHarper({
      root,
      admin,
      env: { CONFORMANCE_UPSTREAM: upstream.url },
      gatewayConfig: {
        models: {
          generative: {
            [chatModel]: entry(chatModel),
            // One failure as each client sees it (the client's own retries are under test, not the gateway's).
            limited: { ...entry("fault-429"), routing: SINGLE_ATTEMPT },
            broken: { ...entry("fault-500"), routing: SINGLE_ATTEMPT },
            slow: entry("slow-text"),
          },
          embedding: embeddings === undefined ? {} : { [EMBEDDING_MODEL]: embeddings.backend.entry(UPSTREAM_PLACEHOLDER, embeddings.backend.upstreamModel) },
        },
        auth: { roles: ["gateway_user"] },
        accounting: { flushIntervalMs: 100 },
      },
    })
    await operation({ operation: "add_role", role: "gateway_user", permission: { super_user: false } })
    await operation({ operation: "add_role", role: "outsider", permission: { super_user: false } })
    await operation({ operation: "add_user", role: "gateway_user", username: "alice", password: "alice-pw-1", active: true })
    await operation({ operation: "add_user", role: "outsider", username: "mallory", password: "mallory-pw-1", active: true })
    key = await createKey("alice", "acme")
    const tokens = await fetch(harper.operationsUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ operation: "create_authentication_tokens", username: "alice", password: "alice-pw-1" }),
    })
    const minted: unknown = await tokens.json()
    if (typeof minted !== "object" || minted === null || !("operation_token" in minted) || typeof minted.operation_token !== "string") throw new Error(JSON.stringify(minted))
    aliceJwt = minted.operation_token
    deniedKey = await createKey("mallory", "evil")
    proxy = await startValidatingProxy(harper.url)
    baseURL = `${proxy.url}/v1`
  }, 180_000)

  afterAll(async () => {
    table.report(tableHeader(target))
    await proxy?.close()
    await harper?.stop()
    await upstream?.close()
    if (root !== undefined) rmSync(root, { recursive: true, force: true })
  }, 60_000)

  const openaiClient = (apiKey = key) => new OpenAI({ baseURL, apiKey })

  /** LangChain's usage metadata, read without trusting its (here unresolvable) types. */
  function totalTokens(usage: unknown): number {
    return typeof usage === "object" && usage !== null && "total_tokens" in usage && typeof usage.total_tokens === "number" ? usage.total_tokens : 0
  }

  describe("openai SDK", () => {
    scenario("openai", "chat.completions.create, non-stream", async () => {
      const completion = await openaiClient().chat.completions.create({ model: chatModel, messages: [{ role: "user", content: "Invent a holiday" }] })
      expect(completion.choices[0]?.message.content).toBe(expected.text)
      expect(completion.usage?.total_tokens).toBeGreaterThan(0)
    })

    scenario("openai", "chat.completions.create, stream", async () => {
      const stream = await openaiClient().chat.completions.create({ model: chatModel, stream: true, messages: [{ role: "user", content: "Invent a holiday" }] })
      let text = ""
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? ""
      expect(text).toBe(expected.streamText)
    })

    scenario("openai", "stream with include_usage: usage arrives once", async () => {
      const stream = await openaiClient().chat.completions.create({ model: chatModel, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "x" }] })
      const usages = []
      for await (const chunk of stream) if (chunk.usage) usages.push({ usage: chunk.usage, choices: chunk.choices.length })
      expect(usages).toEqual([{ usage: expect.objectContaining({ prompt_tokens: expected.streamUsage.promptTokens, completion_tokens: expected.streamUsage.completionTokens }), choices: 0 }])
    })

    scenario("openai", ".stream() helper and finalChatCompletion()", async () => {
      const stream = openaiClient().chat.completions.stream({ model: chatModel, messages: [{ role: "user", content: "x" }] })
      const final = await stream.finalChatCompletion()
      expect(final.choices[0]?.message.content).toBe(expected.streamText)
      expect(final.choices[0]?.finish_reason).toBe("stop")
    })

    for (const [label, toolChoice] of [
      ["auto", "auto"],
      ["required", "required"],
      ["named", { type: "function", function: { name: "weather" } }],
    ] as const) {
      scenario("openai", `tools, tool_choice ${label}`, async () => {
        const completion = await openaiClient().chat.completions.create({ model: chatModel, messages: [{ role: "user", content: "Weather in San Francisco?" }], tools: [weatherTool], tool_choice: toolChoice })
        const call = completion.choices[0]?.message.tool_calls?.[0]
        expect(call?.type === "function" && call.function.name).toBe("weather")
        expect(call?.type === "function" && JSON.parse(call.function.arguments)).toEqual({ location: "San Francisco" })
        expect(completion.choices[0]?.finish_reason).toBe("tool_calls")
      })
    }

    scenario("openai", "parallel tool calls, streamed, through finalChatCompletion()", async () => {
      const time = { type: "function" as const, function: { name: "time", parameters: { type: "object", properties: { zone: { type: "string" } } } } }
      const stream = openaiClient().chat.completions.stream({ model: chatModel, messages: [{ role: "user", content: "Weather and time?" }], tools: [weatherTool, time] })
      const final = await stream.finalChatCompletion()
      const calls = final.choices[0]?.message.tool_calls ?? []
      expect(calls.map((c) => (c.type === "function" ? c.function.name : c.type))).toEqual(["weather", "time"])
      expect(new Set(calls.map((c) => c.id)).size).toBe(2)
      expect(calls.map((c) => (c.type === "function" ? JSON.parse(c.function.arguments) : null))).toEqual([{ location: "San Francisco" }, { zone: "San Francisco" }])
    })

    scenario("openai", "tool round trip (assistant tool_calls + tool message)", async () => {
      const completion = await openaiClient().chat.completions.create({
        model: chatModel,
        tools: [weatherTool],
        messages: [
          { role: "user", content: "Weather in Paris?" },
          { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: '{"location":"Paris"}' } }] },
          { role: "tool", tool_call_id: "call_1", content: "20C and sunny" },
        ],
      })
      expect(completion.choices[0]?.message.content).toContain("20C and sunny")
    })

    scenario("openai", "runTools", async () => {
      const runner = openaiClient().chat.completions.runTools({
        model: chatModel,
        messages: [{ role: "user", content: "Weather in San Francisco?" }],
        tools: [zodFunction({ name: "weather", parameters: z.object({ location: z.string() }), function: (args: { location: string }) => `18C in ${args.location}` })],
      })
      expect(await runner.finalContent()).toContain("18C in San Francisco")
    })

    scenario("openai", "chat.completions.parse with a zod json_schema", async () => {
      const Holiday = z.object({ name: z.string(), month: z.number(), public: z.boolean() })
      const completion = await openaiClient().chat.completions.parse({ model: chatModel, messages: [{ role: "user", content: "A holiday" }], response_format: zodResponseFormat(Holiday, "holiday") })
      expect(Holiday.parse(completion.choices[0]?.message.parsed)).toEqual({ name: "San Francisco", month: 42, public: true })
      expectHolidaySchemaSent()
    })

    scenario("openai", "image content part", async () => {
      const image = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
      const completion = await openaiClient().chat.completions.create({
        model: chatModel,
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is this?" },
              { type: "image_url", image_url: { url: image, detail: "low" } },
            ],
          },
        ],
      })
      expect(completion.choices[0]?.message.content).toBe(expected.text)
      expect(lastRequest((r) => target.extract.imagesSent(r))).toEqual([{ mediaType: "image/png", data: image.slice("data:image/png;base64,".length) }])
    })

    embeddingScenario("openai", "embeddings.create, SDK default (base64 on the wire, floats back)", async () => {
      const response = await openaiClient().embeddings.create({ model: EMBEDDING_MODEL, input: ["a", "b"] })
      expect(response.data.map((d) => d.embedding.slice(0, 2))).toEqual(
        [
          [0.5, 1 / 3],
          [1, 2 / 3],
        ].map((v) => v.map(Math.fround)),
      )
    })

    embeddingScenario("openai", "embeddings.create, explicit float", async () => {
      const response = await openaiClient().embeddings.create({ model: EMBEDDING_MODEL, input: "a", encoding_format: "float" })
      expect(Array.isArray(response.data[0]?.embedding)).toBe(true)
    })

    embeddingScenario("openai", "embeddings.create with dimensions", async () => {
      const response = await openaiClient().embeddings.create({ model: EMBEDDING_MODEL, input: "a", dimensions: 5 })
      expect(response.data[0]?.embedding.length).toBe(5)
    })

    embeddingScenario("openai", "embeddings.create with token arrays", async () => {
      const response = await openaiClient().embeddings.create({
        model: EMBEDDING_MODEL,
        input: [
          [1, 2, 3],
          [4, 5],
        ],
      })
      expect(response.data.length).toBe(2)
      expect(lastRequest((r) => embeddingsOf(r))).toEqual([
        [1, 2, 3],
        [4, 5],
      ])
    })

    embeddingScenario("openai", "embeddings.create with 2,048 inputs in one call, order kept", async () => {
      const input = Array.from({ length: 2048 }, (_, i) => `document ${i}`)
      const response = await openaiClient().embeddings.create({ model: EMBEDDING_MODEL, input })
      expect(response.data.length).toBe(2048)
      expect(response.data.map((d) => d.index)).toEqual(input.map((_, i) => i))
      // The upstream numbers inputs within each request: a backend that splits the call (Gemini: 100 a request) restarts at each.
      const perRequest = embeddingBackend().maxInputsPerUpstreamRequest
      expect(response.data.map((d) => d.embedding[0])).toEqual(input.map((_, i) => expect.closeTo(((i % perRequest) + 1) / 2, 3)))
    })

    scenario("openai", "models.list and models.retrieve", async () => {
      const ids = []
      for await (const model of openaiClient().models.list()) ids.push(model.id)
      expect(ids).toEqual(expect.arrayContaining(embeddings === undefined ? [chatModel] : [chatModel, EMBEDDING_MODEL]))
      expect((await openaiClient().models.retrieve(chatModel)).id).toBe(chatModel)
    })

    scenario("openai", "400 bad param -> BadRequestError with param", async () => {
      const error = await openaiClient()
        .chat.completions.create({ model: chatModel, messages: [{ role: "user", content: "x" }], temperature: 9 })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OpenAI.BadRequestError)
      expect(error).toMatchObject({ status: 400, type: "invalid_request_error", param: "temperature" })
    })

    scenario("openai", "401 no key -> AuthenticationError", async () => {
      const error = await openaiClient()
        .models.list({ headers: { Authorization: null } })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError)
      expect(error).toMatchObject({ status: 401, type: "authentication_error" })
    })

    scenario("openai", "401 bad key -> AuthenticationError", async () => {
      const error = await openaiClient("sk-wrong")
        .chat.completions.create({ model: chatModel, messages: [{ role: "user", content: "x" }] })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError)
      expect(error).toMatchObject({ status: 401, code: "invalid_api_key" })
    })

    scenario("openai", "403 -> PermissionDeniedError", async () => {
      const error = await openaiClient(deniedKey)
        .chat.completions.create({ model: chatModel, messages: [{ role: "user", content: "x" }] })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError)
      expect(error).toMatchObject({ status: 403, type: "permission_error" })
    })

    scenario("openai", "404 unknown model -> NotFoundError model_not_found", async () => {
      const error = await openaiClient()
        .chat.completions.create({ model: "gpt-9", messages: [{ role: "user", content: "x" }] })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OpenAI.NotFoundError)
      expect(error).toMatchObject({ status: 404, code: "model_not_found", param: "model" })
    })

    scenario("openai", "429 -> RateLimitError after retries that honour retry-after", async () => {
      const before = upstream.requests.length
      const started = Date.now()
      const error = await openaiClient()
        .chat.completions.create({ model: "limited", messages: [{ role: "user", content: "x" }] })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OpenAI.RateLimitError)
      expect(upstream.requests.slice(before).filter((r) => target.extract.isModelCall(r)).length).toBe(3)
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_000) // two waits of retry-after: 1 s
    })

    scenario("openai", "5xx -> retried, then InternalServerError", async () => {
      const before = upstream.requests.length
      const error = await openaiClient()
        .chat.completions.create({ model: "broken", messages: [{ role: "user", content: "x" }] })
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OpenAI.InternalServerError)
      expect(upstream.requests.slice(before).filter((r) => target.extract.isModelCall(r)).length).toBe(3)
    })

    scenario("openai", "stream aborted mid-way: the upstream request closes, the row says aborted", async () => {
      const controller = new AbortController()
      const stream = await openaiClient().chat.completions.create({ model: "slow", stream: true, messages: [{ role: "user", content: "x" }] }, { signal: controller.signal })
      const upstreamRequest = upstream.requests.at(-1)
      let chunks = 0
      try {
        for await (const _ of stream) if (++chunks === 3) controller.abort()
      } catch {
        // the SDK throws APIUserAbortError
      }
      for (let i = 0; i < 50 && upstreamRequest?.closedEarly !== true; i++) await new Promise((r) => setTimeout(r, 20))
      expect(upstreamRequest?.closedEarly).toBe(true)
      await new Promise((r) => setTimeout(r, 300))
      const rows = await operation({ operation: "sql", sql: "SELECT outcome FROM gateway.hdb_model_calls WHERE logicalModel = 'slow'" })
      expect(rows).toEqual([{ outcome: "aborted" }])
    })
  })

  describe("openai SDK: Responses API", () => {
    const outputText = (response: OpenAI.Responses.Response) => response.output_text

    scenario("openai", "responses.create, non-stream", async () => {
      const response = await openaiClient().responses.create({ model: chatModel, input: "Invent a holiday" })
      expect(response.status).toBe("completed")
      expect(outputText(response)).toBe(expected.text)
      expect(response.usage?.total_tokens).toBe(expected.totalTokens)
    })

    scenario("openai", "responses.create, stream", async () => {
      const stream = await openaiClient().responses.create({ model: chatModel, input: "Invent a holiday", stream: true })
      let text = ""
      const types: string[] = []
      for await (const event of stream) {
        types.push(event.type)
        if (event.type === "response.output_text.delta") text += event.delta
      }
      expect(text).toBe(expected.streamText)
      expect([types[0], types[1], types.at(-1)]).toEqual(["response.created", "response.in_progress", "response.completed"])
    })

    scenario("openai", "responses.stream() helper and finalResponse()", async () => {
      const stream = openaiClient().responses.stream({ model: chatModel, input: "Invent a holiday" })
      const final = await stream.finalResponse()
      expect(final.output_text).toBe(expected.streamText)
      expect(final.status).toBe("completed")
    })

    scenario("openai", "responses.create with function tools", async () => {
      const response = await openaiClient().responses.create({
        model: chatModel,
        input: "Weather in San Francisco?",
        tools: [{ type: "function", name: "weather", parameters: weatherTool.function.parameters, strict: false }],
        tool_choice: "required",
      })
      const call = response.output.find((item) => item.type === "function_call")
      expect(call?.type === "function_call" && [call.name, JSON.parse(call.arguments)]).toEqual(["weather", { location: "San Francisco" }])
    })

    scenario("openai", "responses.parse with a zod schema", async () => {
      const Holiday = z.object({ name: z.string(), month: z.number(), public: z.boolean() })
      const response = await openaiClient().responses.parse({ model: chatModel, input: "A holiday", text: { format: zodTextFormat(Holiday, "holiday") } })
      expect(Holiday.parse(response.output_parsed)).toEqual({ name: "San Francisco", month: 42, public: true })
      expectHolidaySchemaSent()
    })

    scenario("openai", "previous_response_id continuation", async () => {
      const client = openaiClient()
      const first = await client.responses.create({ model: chatModel, input: "Invent a holiday" })
      const second = await client.responses.create({ model: chatModel, input: "Another one", previous_response_id: first.id })
      expect(second.previous_response_id).toBe(first.id)
      expect(lastRequest((r) => target.extract.turnsSent(r)).map((turn) => turn.role)).toEqual(["user", "assistant", "user"])
    })

    scenario("openai", "responses.retrieve, inputItems.list (paginated), delete", async () => {
      const client = openaiClient()
      const created = await client.responses.create({ model: chatModel, input: [1, 2, 3].map((n) => ({ role: "user" as const, content: `message ${n}` })) })
      expect((await client.responses.retrieve(created.id)).output_text).toBe(expected.text)
      const texts: string[] = []
      for await (const item of client.responses.inputItems.list(created.id, { limit: 2, order: "asc" })) {
        if (item.type === "message") for (const part of item.content) if (part.type === "input_text") texts.push(part.text)
      }
      expect(texts).toEqual(["message 1", "message 2", "message 3"])
      await client.responses.delete(created.id)
      const error = await client.responses.retrieve(created.id).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OpenAI.NotFoundError)
    })
  })

  describe("LangChain.js", () => {
    const chat = () => new ChatOpenAI({ model: chatModel, apiKey: aliceJwt, configuration: { baseURL } })

    scenario("langchain", "ChatOpenAI invoke", async () => {
      const message = await chat().invoke("Invent a holiday")
      expect(message.content).toBe(expected.text)
      expect(totalTokens(message.usage_metadata)).toBeGreaterThan(0)
    })

    scenario("langchain", "ChatOpenAI stream, usage metadata present", async () => {
      let text = ""
      let usage = 0
      for await (const chunk of await chat().stream("Invent a holiday")) {
        text += typeof chunk.content === "string" ? chunk.content : ""
        usage += totalTokens(chunk.usage_metadata)
      }
      expect(text).toBe(expected.streamText)
      expect(usage).toBe(expected.streamUsage.promptTokens + expected.streamUsage.completionTokens)
    })

    scenario("langchain", "bindTools with a streamed tool call: arguments intact", async () => {
      const model = chat().bindTools([weatherTool])
      let merged: Awaited<ReturnType<typeof model.invoke>> | undefined
      for await (const chunk of await model.stream("Weather in San Francisco?")) merged = merged === undefined ? chunk : merged.concat(chunk)
      expect(merged?.tool_calls).toEqual([expect.objectContaining({ name: "weather", args: { location: "San Francisco" } })])
      expect(merged?.invalid_tool_calls ?? []).toEqual([])
    })

    for (const method of ["jsonSchema", "functionCalling"] as const) {
      scenario("langchain", `withStructuredOutput (${method})`, async () => {
        const schema = z.object({ location: z.string(), celsius: z.number() })
        const result = await chat().withStructuredOutput(schema, { method }).invoke("Weather?")
        expect(schema.parse(result)).toEqual({ location: "San Francisco", celsius: 42 })
      })
    }

    const responsesChat = () => new ChatOpenAI({ model: chatModel, apiKey: aliceJwt, configuration: { baseURL }, useResponsesApi: true })

    scenario("langchain", "ChatOpenAI({ useResponsesApi: true }) invoke", async () => {
      const message = await responsesChat().invoke("Invent a holiday")
      expect(message.text).toBe(expected.text)
      expect(totalTokens(message.usage_metadata)).toBe(expected.totalTokens)
    })

    scenario("langchain", "ChatOpenAI({ useResponsesApi: true }) stream", async () => {
      let text = ""
      for await (const chunk of await responsesChat().stream("Invent a holiday")) text += chunk.text
      expect(text).toBe(expected.streamText)
    })

    scenario("langchain", "ChatOpenAI({ useResponsesApi: true }) tools", async () => {
      const message = await responsesChat().bindTools([weatherTool]).invoke("Weather in San Francisco?")
      expect(message.tool_calls).toEqual([expect.objectContaining({ name: "weather", args: { location: "San Francisco" } })])
    })

    embeddingScenario("langchain", "OpenAIEmbeddings embedQuery and embedDocuments (> 512 docs: batched)", async () => {
      const client = new OpenAIEmbeddings({ model: EMBEDDING_MODEL, apiKey: aliceJwt, configuration: { baseURL } })
      expect((await client.embedQuery("hello")).length).toBe(16)
      const before = upstream.requests.length
      const vectors = await client.embedDocuments(Array.from({ length: 1100 }, (_, i) => `doc ${i}`))
      expect(vectors.length).toBe(1100)
      const received = upstream.requests.slice(before).filter((r) => embeddingsOf(r) !== undefined)
      expect(received.flatMap((r) => embeddingsOf(r) ?? []).length).toBe(1100)
      // LangChain sends batches of 512 (512, 512, 76); the backend splits each into upstream requests of its size.
      const perRequest = embeddingBackend().maxInputsPerUpstreamRequest
      expect(received.length).toBe([512, 512, 76].reduce((n, batch) => n + Math.ceil(batch / perRequest), 0))
    })
  })

  describe("Vercel AI SDK", () => {
    const providers = () => ({
      "openai.chat": createOpenAI({ baseURL, apiKey: key }).chat(chatModel),
      "openai-compatible": createOpenAICompatible({ name: "harper", baseURL, apiKey: key }).chatModel(chatModel),
    })
    const weather = tool({
      description: "Weather for a location",
      inputSchema: z.object({ location: z.string() }),
      execute: async ({ location }: { location: string }) => `18C in ${location}`,
    })

    for (const name of ["openai.chat", "openai-compatible"] as const) {
      scenario(`ai-sdk ${name}`, "generateText", async () => {
        const result = await generateText({ model: providers()[name], prompt: "Invent a holiday" })
        expect(result.text).toBe(expected.text)
        expect(result.usage.totalTokens).toBe(expected.totalTokens)
      })

      scenario(`ai-sdk ${name}`, "streamText with tools, multi-step", async () => {
        const result = streamText({ model: providers()[name], prompt: "Weather in San Francisco?", tools: { weather }, stopWhen: stepCountIs(2) })
        const errors: unknown[] = []
        for await (const part of result.fullStream) if (part.type === "error") errors.push(part.error)
        expect(errors).toEqual([])
        expect(await result.text).toContain("18C in San Francisco")
        expect((await result.steps).length).toBe(2)
      })

      // The compatible provider sends json_schema only when told the server supports it (its documented
      // `supportsStructuredOutputs` setting); by default it sends bare JSON mode, with no schema for the model to follow.
      scenario(`ai-sdk ${name}`, name === "openai-compatible" ? "structured output (supportsStructuredOutputs: true)" : "structured output", async () => {
        const schema = z.object({ city: z.string(), days: z.number() })
        const model = name === "openai-compatible" ? createOpenAICompatible({ name: "harper", baseURL, apiKey: key, supportsStructuredOutputs: true }).chatModel(chatModel) : providers()[name]
        const { object } = await generateObject({ model, schema, prompt: "Plan" })
        expect(object).toEqual({ city: "San Francisco", days: 42 })
        const result = await generateText({ model, prompt: "Plan", output: Output.object({ schema }) })
        expect(result.output).toEqual({ city: "San Francisco", days: 42 })
      })
    }

    embeddingScenario("ai-sdk openai", "embed and embedMany", async () => {
      const model = createOpenAI({ baseURL, apiKey: key }).embedding(EMBEDDING_MODEL)
      expect((await embed({ model, value: "hello" })).embedding.length).toBe(16)
      const many = await embedMany({ model, values: ["a", "b", "c"] })
      expect(many.embeddings.map((e) => e[0])).toEqual([0.5, 1, 1.5])
    })

    embeddingScenario("ai-sdk openai-compatible", "embed and embedMany", async () => {
      const model = createOpenAICompatible({ name: "harper", baseURL, apiKey: key }).embeddingModel(EMBEDDING_MODEL)
      expect((await embed({ model, value: "hello" })).embedding.length).toBe(16)
      expect((await embedMany({ model, values: ["a", "b"] })).embeddings.length).toBe(2)
    })

    // The default provider, openai(id), speaks the Responses API; with its default store it
    // sends earlier steps' assistant and tool-call items back as item_reference.
    const responsesModel = () => createOpenAI({ baseURL, apiKey: key })(chatModel)

    scenario("ai-sdk openai (responses)", "generateText", async () => {
      const result = await generateText({ model: responsesModel(), prompt: "Invent a holiday" })
      expect(result.text).toBe(expected.text)
      expect(result.usage.totalTokens).toBe(expected.totalTokens)
    })

    scenario("ai-sdk openai (responses)", "streamText with tools, multi-step", async () => {
      const before = upstream.requests.length
      const sentBefore = proxy.sent.length
      const result = streamText({ model: responsesModel(), prompt: "Weather in San Francisco?", tools: { weather }, stopWhen: stepCountIs(2) })
      const errors: unknown[] = []
      for await (const part of result.fullStream) if (part.type === "error") errors.push(part.error)
      expect(errors).toEqual([])
      expect(await result.text).toContain("18C in San Francisco")
      expect((await result.steps).length).toBe(2)
      // The second step's tool call reached the model as the assistant turn its reference names.
      const second = upstream.requests.slice(before).at(-1)
      expect(second && target.extract.turnsSent(second)).toMatchObject([{ role: "user" }, { role: "assistant", toolCalls: ["weather"] }, { role: "tool", text: "18C in San Francisco" }])
      // This SDK version sends function calls back in full (it references assistant text and reasoning, below).
      const secondInput = JSON.parse(
        proxy.sent
          .slice(sentBefore)
          .filter((r) => r.url.endsWith("/v1/responses"))
          .at(-1)?.body ?? "{}",
      ).input
      expect(secondInput.map((item: { type?: string }) => item.type)).toEqual([undefined, "function_call", "function_call_output"])
    })

    scenario("ai-sdk openai (responses)", "second turn from response.messages: the assistant turn goes back as an item_reference", async () => {
      const first = await generateText({ model: responsesModel(), prompt: "Invent a holiday" })
      const sentBefore = proxy.sent.length
      const second = await generateText({ model: responsesModel(), messages: [{ role: "user", content: "Invent a holiday" }, ...first.response.messages, { role: "user", content: "Another one" }] })
      expect(second.text).toBe(expected.text)
      const input = JSON.parse(proxy.sent.slice(sentBefore).find((r) => r.url.endsWith("/v1/responses"))?.body ?? "{}").input
      expect(input).toEqual([expect.objectContaining({ role: "user" }), { type: "item_reference", id: expect.stringMatching(/^msg_/) }, expect.objectContaining({ role: "user" })])
      expect(lastRequest((r) => target.extract.turnsSent(r))).toMatchObject([{ role: "user" }, { role: "assistant", text: expected.text }, { role: "user" }])
    })

    scenario("ai-sdk openai (responses)", "structured output (generateObject, Output.object)", async () => {
      const schema = z.object({ city: z.string(), days: z.number() })
      const { object } = await generateObject({ model: responsesModel(), schema, prompt: "Plan" })
      expect(object).toEqual({ city: "San Francisco", days: 42 })
      const result = await generateText({ model: responsesModel(), prompt: "Plan", output: Output.object({ schema }) })
      expect(result.output).toEqual({ city: "San Francisco", days: 42 })
    })
  })

  describe("MCP sampling", () => {
    scenario("mcp", "sampling/createMessage forwarded to the gateway (text, tools, tool_use/tool_result)", async () => {
      const gateway = openaiClient()
      const client = new Client({ name: "host", version: "1.0.0" }, { capabilities: { sampling: { tools: {} } } })
      client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
        const params = request.params
        const messages: OpenAI.ChatCompletionMessageParam[] = params.systemPrompt === undefined ? [] : [{ role: "system", content: params.systemPrompt }]
        for (const message of params.messages) {
          const blocks = Array.isArray(message.content) ? message.content : [message.content]
          for (const block of blocks) {
            if (block.type === "text") messages.push({ role: message.role, content: block.text })
            else if (block.type === "tool_use") messages.push({ role: "assistant", content: null, tool_calls: [{ id: block.id, type: "function", function: { name: block.name, arguments: JSON.stringify(block.input) } }] })
            else if (block.type === "tool_result") {
              const text = block.content.map((c) => (c.type === "text" ? c.text : "")).join("")
              messages.push({ role: "tool", tool_call_id: block.toolUseId, content: block.isError === true ? `ERROR: ${text}` : text })
            }
          }
        }
        const completion = await gateway.chat.completions.create({
          model: chatModel,
          messages,
          max_tokens: params.maxTokens,
          ...(params.stopSequences === undefined ? {} : { stop: params.stopSequences }),
          ...(params.tools === undefined ? {} : { tools: params.tools.map((t) => ({ type: "function" as const, function: { name: t.name, description: t.description ?? "", parameters: t.inputSchema } })) }),
          ...(params.toolChoice?.mode === undefined ? {} : { tool_choice: params.toolChoice.mode }),
        })
        const choice = completion.choices[0]
        const calls = choice?.message.tool_calls ?? []
        const stopReason = choice?.finish_reason === "tool_calls" ? "toolUse" : choice?.finish_reason === "length" ? "maxTokens" : "endTurn"
        if (calls.length > 0) {
          return {
            model: completion.model,
            role: "assistant" as const,
            stopReason,
            content: calls.map((call) => (call.type === "function" ? { type: "tool_use" as const, id: call.id, name: call.function.name, input: JSON.parse(call.function.arguments) } : { type: "text" as const, text: "" })),
          }
        }
        return { model: completion.model, role: "assistant" as const, stopReason, content: { type: "text" as const, text: choice?.message.content ?? "" } }
      })
      const server = new McpServer({ name: "tools-server", version: "1.0.0" })
      const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair()
      await Promise.all([client.connect(clientTransport), server.connect(serverTransport)])

      const text = await server.server.createMessage({ messages: [{ role: "user", content: { type: "text", text: "Invent a holiday" } }], maxTokens: 100, stopSequences: ["END"] })
      expect(CreateMessageResultSchema.parse(text)).toMatchObject({ role: "assistant", stopReason: "endTurn", content: { type: "text", text: expected.text } })

      const tools = [{ name: "weather", description: "Weather", inputSchema: { type: "object" as const, properties: { location: { type: "string" } } } }]
      const withTools = await server.server.createMessage({ messages: [{ role: "user", content: { type: "text", text: "Weather?" } }], maxTokens: 100, tools, toolChoice: { mode: "auto" } })
      const parsed = CreateMessageResultWithToolsSchema.parse(withTools)
      const use = Array.isArray(parsed.content) ? parsed.content[0] : parsed.content
      expect(use).toMatchObject({ type: "tool_use", name: "weather", input: { location: "San Francisco" } })
      const followUp = await server.server.createMessage({
        messages: [
          { role: "user", content: { type: "text", text: "Weather?" } },
          { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "weather", input: { location: "SF" } }] },
          { role: "user", content: [{ type: "tool_result", toolUseId: "t1", content: [{ type: "text", text: "fog" }] }] },
        ],
        maxTokens: 100,
        tools,
      })
      expect(CreateMessageResultWithToolsSchema.parse(followUp)).toMatchObject({ stopReason: "endTurn", content: { type: "text", text: expect.stringContaining("fog") } })
      await client.close()
    })
  })

  describe("what the clients received and what was accounted", () => {
    scenario("all clients", "every response body and stream chunk validates against the official spec", async () => {
      console.log(`validated ${proxy.checked.count} responses and stream events`)
      expect(proxy.checked.count).toBeGreaterThan(100)
      expect(proxy.violations).toEqual([])
    })

    scenario("all clients", "one accounting row per model call, attributed to the caller's tenant, tokens for streamed calls", async () => {
      await new Promise((r) => setTimeout(r, 400))
      const rows = await operation({ operation: "sql", sql: "SELECT tenant, user, endpoint, stream, outcome, promptTokens, completionTokens, status FROM gateway.hdb_model_calls" })
      if (!Array.isArray(rows)) throw new Error(JSON.stringify(rows))
      const chatCalls = upstream.requests.filter((r) => target.extract.isModelCall(r) && embeddingsOf(r) === undefined).length
      const embeddingRequests = upstream.requests.filter((r) => embeddingsOf(r) !== undefined).length
      // Rows = calls that reached a backend + those refused after authentication (bad param, unknown model).
      const reached = rows.filter((row) => row.outcome !== "rejected")
      const embeddingRows = reached.filter((row) => row.endpoint === "embeddings").length
      expect(reached.length - embeddingRows).toBe(chatCalls)
      // One row per embeddings call: a backend that splits a call (Gemini: 100 inputs a request) sends several requests for it.
      if ((embeddings?.backend.maxInputsPerUpstreamRequest ?? 2048) >= 2048) expect(embeddingRows).toBe(embeddingRequests)
      else {
        expect(embeddingRows).toBeGreaterThan(0)
        expect(embeddingRows).toBeLessThan(embeddingRequests)
      }
      expect(rows.filter((row) => row.outcome === "rejected").length).toBe(2)
      // alice's key names tenant acme; her own JWT (LangChain) falls back to her username.
      expect(rows.every((row) => row.user === "alice" && (row.tenant === "acme" || row.tenant === "alice"))).toBe(true)
      expect(new Set(rows.map((row) => row.tenant))).toEqual(new Set(["acme", "alice"]))
      const streamed = rows.filter((row) => row.stream === true && row.outcome === "success")
      expect(streamed.length).toBeGreaterThan(5)
      expect(streamed.every((row) => typeof row.completionTokens === "number" && row.completionTokens > 0)).toBe(true)
    })
  })

  describe("rate limits and budgets", () => {
    /** A key of its own tenant with these limits, and a fetch that counts the requests a client sends. */
    async function limitedKey(tenant: string, limits: Record<string, unknown>) {
      const limitedKey = await createKey("alice", tenant)
      const response = await fetch(`${harper.url}/gateway/limits`, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify({ tenant, ...limits }) })
      expect(response.status).toBe(201)
      const statuses: number[] = []
      const counting: typeof fetch = async (input, init) => {
        const answer = await fetch(input, init)
        statuses.push(answer.status)
        return answer
      }
      return { key: limitedKey, statuses, fetch: counting }
    }
    /** Waits for the start of a 3 s window, so two requests share it even on a loaded machine. */
    const windowStart = () => new Promise((resolve) => setTimeout(resolve, 3_000 - (Date.now() % 3_000) + 20))

    scenario("openai", "rate_limit_exceeded: retried after retry-after-ms, then succeeds", async () => {
      const limited = await limitedKey("rl-openai", { requests: 1, windowSeconds: 3 })
      const client = new OpenAI({ baseURL, apiKey: limited.key, fetch: limited.fetch })
      await windowStart()
      await client.chat.completions.create({ model: chatModel, messages: [{ role: "user", content: "Invent a holiday" }] })
      const retried = await client.chat.completions.create({ model: chatModel, messages: [{ role: "user", content: "Invent a holiday" }] })
      expect(retried.choices[0]?.message.content).toBe(expected.text)
      expect(limited.statuses).toEqual([200, 429, 200])
    })

    scenario("openai", "insufficient_quota: surfaced without a retry", async () => {
      const spent = await limitedKey("quota-openai", { budgetUsd: 0, budgetPeriod: "month" })
      const client = new OpenAI({ baseURL, apiKey: spent.key, fetch: spent.fetch })
      const error = await client.chat.completions.create({ model: chatModel, messages: [{ role: "user", content: "Invent a holiday" }] }).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(OpenAI.RateLimitError)
      expect(error).toMatchObject({ status: 429, code: "insufficient_quota", type: "insufficient_quota" })
      expect(spent.statuses).toEqual([429])
    })

    scenario("ai-sdk openai", "rate_limit_exceeded: retried, then succeeds", async () => {
      const limited = await limitedKey("rl-aisdk", { requests: 1, windowSeconds: 3 })
      const model = createOpenAI({ baseURL, apiKey: limited.key, fetch: limited.fetch }).chat(chatModel)
      await windowStart()
      await generateText({ model, prompt: "Invent a holiday" })
      const retried = await generateText({ model, prompt: "Invent a holiday" })
      expect(retried.text).toBe(expected.text)
      expect(limited.statuses).toEqual([200, 429, 200])
    })

    // The AI SDK retries every 429 (it reads neither x-should-retry nor the error code), as it does against OpenAI itself:
    // each retry is refused at once, at no upstream cost, and the quota message reaches the caller.
    scenario(
      "ai-sdk openai",
      "insufficient_quota: retried by the SDK (every 429 is), refused each time, message surfaced",
      async () => {
        const spent = await limitedKey("quota-aisdk", { budgetUsd: 0, budgetPeriod: "month" })
        const model = createOpenAI({ baseURL, apiKey: spent.key, fetch: spent.fetch }).chat(chatModel)
        const error = await generateText({ model, prompt: "Invent a holiday", maxRetries: 2 }).catch((caught: unknown) => caught)
        expect(String(error)).toMatch(/Failed after 3 attempts\. Last error: .*You exceeded your current quota/)
        expect(spent.statuses).toEqual([429, 429, 429])
      },
      { timeout: 30_000 },
    )
  })

  // A `cannot` naming no scenario is a typo that would hide a gap: fail the file. Checked when
  // the test runs: the describe blocks above register their scenarios after this line has run.
  if (Object.keys(target.cannot).length > 0) {
    it(`${target.name}: every cannot names a scenario`, () => expect(Object.keys(target.cannot).filter((name) => !registered.has(name))).toEqual([]))
  }
}
