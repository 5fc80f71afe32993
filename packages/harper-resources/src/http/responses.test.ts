import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { buildRegistry, createModelsService, ModelsConfig, type ModelCallRecord } from "@harper-gateway/models"
import { createResponseStore, type StoredResponse, type ResponseStore, type StoreTable } from "../responses/response-store.ts"
import type { ChatCall } from "@harper-gateway/translate"
import type { WindowPolicy } from "../responses/fit-to-window.ts"
import type { Gateway } from "./gateway.ts"
import type { HarperRequest } from "./harper-request.ts"
import { createResponse, DEFAULT_MAX_CHAIN_DEPTH, DEFAULT_MAX_HISTORY_BYTES, type ResponsesDeps } from "./responses.ts"

const root = { username: "root", role: { permission: { super_user: true } } }
const request: HarperRequest = { method: "POST", pathname: "/v1/responses", headers: { get: (name: string) => (name === "content-type" ? "application/json" : undefined), set: () => undefined, delete: () => undefined }, user: root }

/** The gateway on the offline echo backend, its rows and its logged errors. */
function echoGateway() {
  const rows: ModelCallRecord[] = []
  const logged: string[] = []
  const { registry } = buildRegistry(Schema.decodeUnknownSync(ModelsConfig)({ generative: { echo: { backend: "echo" } } }))
  const gateway: Gateway = {
    models: createModelsService(registry, { started: () => undefined, record: (row) => void rows.push(row) }),
    auth: { settings: { roles: new Set(), tenantAttribute: "tenant" }, deps: { findKey: async () => undefined, findUser: async () => undefined } },
    headerHooks: [],
    logError: (message) => void logged.push(message),
  }
  return { gateway, rows, logged }
}

/** A store whose writes fail (a full disk, a Harper that cannot commit). */
const failingStore: ResponseStore = {
  save: async (_stored: StoredResponse) => Promise.reject(new Error("lmdb: MDB_MAP_FULL")),
  get: async () => undefined,
  delete: async () => false,
  items: async () => ({ kind: "found", items: new Map(), bytes: 0 }),
  chain: async () => ({ kind: "missing" }),
}

const defaultBounds = { maxDepth: DEFAULT_MAX_CHAIN_DEPTH, maxBytes: DEFAULT_MAX_HISTORY_BYTES }
/** No model configures a contextWindow: truncation "auto" drops nothing. */
const noWindows: WindowPolicy = { contextWindowOf: () => undefined, defaultOutputTokens: 1_024 }

function memoryTable(): StoreTable & { readonly rows: Map<string, object> } {
  const rows = new Map<string, object>()
  return {
    rows,
    put: async (record: object) => void rows.set(String(Reflect.get(record, "id")), structuredClone(record)),
    get: async (id: string) => structuredClone(rows.get(id)),
    delete: async (id: string) => void rows.delete(id),
  }
}

/** An items table whose rows, like Harper's records, decode a field when it is read: it counts the items decoded. */
function countingItems(): StoreTable & { decoded: number } {
  const table = memoryTable()
  const counting = {
    ...table,
    decoded: 0,
    get: async (id: string) => {
      const row = table.rows.get(id)
      if (row === undefined) return undefined
      const record = {}
      for (const [key, value] of Object.entries(row)) {
        Object.defineProperty(record, key, { enumerable: true, get: () => ((counting.decoded += key === "item" ? 1 : 0), structuredClone(value)) })
      }
      return record
    },
  }
  return counting
}

/** createResponse on the echo backend with a store in memory: status and parsed body of each call. */
function echoResponses(bounds: ResponsesDeps["bounds"], items: StoreTable = memoryTable(), window: WindowPolicy = noWindows) {
  const { gateway: echo } = echoGateway()
  // What the model is sent, each call.
  const sent: ChatCall[] = []
  const models = echo.models
  const gateway: Gateway = {
    ...echo,
    models: { ...models, chat: (call, meta) => (sent.push(call), models.chat(call, meta)), openChatStream: (call, meta) => (sent.push(call), models.openChatStream(call, meta)) },
  }
  const heads = memoryTable()
  const deps: ResponsesDeps = { store: createResponseStore(memoryTable(), items, heads), bounds, window }
  const post = async (body: Record<string, unknown>) => {
    const answer = await createResponse(gateway, deps, request, { model: "echo", ...body })
    const parsed: unknown = JSON.parse(String(answer.body))
    const id: unknown = typeof parsed === "object" && parsed !== null ? Reflect.get(parsed, "id") : undefined
    return { status: answer.status, body: parsed, id: String(id) }
  }
  /** A streamed request's status and SSE text, read to its end. */
  const postStream = async (body: Record<string, unknown>) => {
    const answer = await createResponse(gateway, deps, request, { model: "echo", stream: true, ...body })
    let text = ""
    if (typeof answer.body === "string") text = answer.body
    else for await (const piece of answer.body) text += piece
    return { status: answer.status, text }
  }
  return { post, postStream, heads, store: deps.store, sent }
}

/** JSON's size of each item, summed: what the history bound counts, written out. */
const writtenBytes = (items: readonly unknown[]) => items.reduce<number>((sum, item) => sum + Buffer.byteLength(JSON.stringify(item)), 0)

describe("POST /v1/responses", () => {
  it("gives the client the answer it was billed for when storing the response fails, and logs the failure", async () => {
    const { gateway, rows, logged } = echoGateway()
    const response = await createResponse(gateway, { store: failingStore, bounds: defaultBounds, window: noWindows }, request, { model: "echo", input: "hello" })
    expect(response.status).toBe(200)
    const body: unknown = JSON.parse(String(response.body))
    expect(body).toMatchObject({ object: "response", status: "completed" })
    expect(JSON.stringify(body)).not.toContain("MDB_MAP_FULL")
    expect(rows.map((row) => row.outcome)).toEqual(["success"])
    expect(logged).toEqual(["gateway responses: storing a response failed"])
  })

  it("refuses with a 400 the turn that would pass the chain's depth (the last stored turn stays retrievable), never a 404", async () => {
    // responses.maxChainDepth scaled from 1,000 to 3: the 4th turn is the 1,001st.
    const { post } = echoResponses({ maxDepth: 3, maxBytes: DEFAULT_MAX_HISTORY_BYTES })
    let previous: string | undefined
    for (let turn = 1; turn <= 3; turn++) {
      const answer = await post({ input: `turn ${turn}`, ...(previous === undefined ? {} : { previous_response_id: previous }) })
      expect(answer.status).toBe(200)
      previous = answer.id
    }
    const refused = await post({ input: "turn 4", previous_response_id: previous })
    expect(refused).toMatchObject({ status: 400, body: { error: { param: "previous_response_id", code: "conversation_too_deep", message: expect.stringContaining("3 responses") } } })
  })

  it("stores each turn's depth and the bytes of its chain's items, as the walk measures them", async () => {
    const { post, heads, store } = echoResponses(defaultBounds)
    const first = await post({ input: "first question" })
    const second = await post({ input: "second question", previous_response_id: first.id })
    const rows = [heads.rows.get(first.id), heads.rows.get(second.id)]
    const items = async (id: string) => {
      const row = await store.get("root", id)
      return [...(row?.inputItems ?? []), ...(row?.outputItems ?? [])]
    }
    const [one, two] = [await items(first.id), await items(second.id)]
    expect(one?.length).toBe(2)
    expect(rows).toMatchObject([
      { depth: 1, historyBytes: writtenBytes(one ?? []) },
      { depth: 2, historyBytes: writtenBytes([...(one ?? []), ...(two ?? [])]) },
    ])
  })

  it("refuses a continuation whose rebuilt conversation is over maxHistoryBytes: a 400 naming previous_response_id, the limit and truncation", async () => {
    const { post } = echoResponses({ maxDepth: DEFAULT_MAX_CHAIN_DEPTH, maxBytes: 3_000 })
    // The echo answers with the input: each turn stores about twice its input.
    const first = await post({ input: "a".repeat(1_000) })
    expect(first.status).toBe(200)
    const second = await post({ input: "b", previous_response_id: first.id })
    expect(second.status).toBe(200)
    const third = await post({ input: "c".repeat(1_000), previous_response_id: second.id })
    expect(third).toMatchObject({ status: 400, body: { error: { type: "invalid_request_error", param: "previous_response_id", code: "context_length_exceeded", message: expect.stringContaining("3000 bytes") } } })
    expect(await post({ input: "c", previous_response_id: second.id })).toMatchObject({ status: 200 })
  })

  it("counts each item_reference as often as it occurs: many references to one large item are a 400 naming input", async () => {
    const { post } = echoResponses({ maxDepth: DEFAULT_MAX_CHAIN_DEPTH, maxBytes: 10_000 })
    const stored = await post({ input: [{ type: "message", role: "user", id: "msg_big", content: "x".repeat(4_000) }] })
    expect(stored.status).toBe(200)
    const reference = { type: "item_reference", id: "msg_big" }
    expect(await post({ input: [reference, reference] })).toMatchObject({ status: 200 })
    expect(await post({ input: Array.from({ length: 1_000 }, () => reference) })).toMatchObject({ status: 400, body: { error: { param: "input", code: "context_length_exceeded" } } })
  })

  it("gives item_references only what the chain and the input leave of maxHistoryBytes, and stops reading them once past it", async () => {
    const items = countingItems()
    const { post } = echoResponses({ maxDepth: DEFAULT_MAX_CHAIN_DEPTH, maxBytes: 20_000 }, items)
    // Ten stored items of about 5 KB (the findings' hundred 20 MB images, scaled down).
    const big = Array.from({ length: 10 }, (_, i) => ({ type: "message", role: "user", id: `big_${i}`, content: [{ type: "input_image", image_url: `data:image/png;base64,${"A".repeat(5_000)}` }] }))
    expect((await post({ input: big })).status).toBe(200)
    const references = big.map(({ id }) => ({ type: "item_reference", id }))
    // 8 KB of the request's own input leave about 12 KB: two items are read, the third is refused from its stored size.
    items.decoded = 0
    const refused = await post({ input: [{ role: "user", content: "q".repeat(8_000) }, ...references] })
    expect(refused).toMatchObject({ status: 400, body: { error: { param: "input", code: "context_length_exceeded" } } })
    expect(items.decoded).toBeLessThanOrEqual(2)
    // A chain of about 12 KB (a 6 KB input, echoed) leaves about 8 KB: one item is read.
    const first = await post({ input: "a".repeat(6_000) })
    items.decoded = 0
    const continued = await post({ input: references.slice(0, 2), previous_response_id: first.id })
    expect(continued).toMatchObject({ status: 400, body: { error: { param: "previous_response_id", code: "context_length_exceeded" } } })
    expect(items.decoded).toBeLessThanOrEqual(1)
    expect(await post({ input: references.slice(0, 1), previous_response_id: first.id })).toMatchObject({ status: 200 })
  })

  it("leaves a request that rebuilds nothing from storage to the body limit alone", async () => {
    const { post } = echoResponses({ maxDepth: DEFAULT_MAX_CHAIN_DEPTH, maxBytes: 100 })
    expect(await post({ input: "y".repeat(1_000) })).toMatchObject({ status: 200 })
  })

  describe("truncation", () => {
    const long = Array.from({ length: 300 }, (_, i) => `word${i}`).join(" ")
    /** The echo model with a 200-token window: the long first turn (and its echo) cannot fit with the rest. */
    const smallWindow: WindowPolicy = { contextWindowOf: (model) => (model === "echo" ? 200 : undefined), defaultOutputTokens: 16 }
    const sentTexts = (call: ChatCall | undefined) => JSON.stringify(call?.input.messages ?? null)

    async function chain(truncation: "auto" | "disabled") {
      const responses = echoResponses(defaultBounds, memoryTable(), smallWindow)
      const first = await responses.post({ input: long })
      const second = await responses.post({ input: "second question", previous_response_id: first.id })
      const third = await responses.post({ input: "third question", previous_response_id: second.id, truncation, instructions: "be brief" })
      return { ...responses, third }
    }

    it("with auto, sends the model the conversation without its oldest turns, echoes truncation auto, and stores the input as the client sent it", async () => {
      const { third, sent, store } = await chain("auto")
      expect(third.status).toBe(200)
      expect(third.body).toMatchObject({ truncation: "auto", status: "completed" })
      const upstream = sentTexts(sent[2])
      expect(upstream).not.toContain("word299")
      expect(upstream).toContain("second question")
      expect(upstream).toContain("third question")
      expect(sent[2]?.input.messages[0]).toEqual({ role: "system", content: "be brief" })
      const stored = await store.get("root", third.id)
      expect(stored?.inputItems).toMatchObject([{ type: "message", role: "user", content: [{ type: "input_text", text: "third question" }] }])
      expect(stored?.response).toMatchObject({ truncation: "auto" })
    })

    it("with auto, streams too from the fitted conversation, and the final event echoes truncation auto", async () => {
      const { post, postStream, sent } = echoResponses(defaultBounds, memoryTable(), smallWindow)
      const first = await post({ input: long })
      const streamed = await postStream({ input: "second question", previous_response_id: first.id, truncation: "auto" })
      expect(streamed.status).toBe(200)
      expect(streamed.text).toContain("event: response.completed")
      expect(streamed.text).toContain('"truncation":"auto"')
      expect(sentTexts(sent[1])).not.toContain("word299")
      expect(sentTexts(sent[1])).toContain("second question")
    })

    it("with disabled (the default), sends the whole conversation, as before: the upstream answers a window it cannot hold", async () => {
      const { third, sent } = await chain("disabled")
      expect(third.status).toBe(200)
      expect(third.body).toMatchObject({ truncation: "disabled" })
      expect(sentTexts(sent[2])).toContain("word299")
    })

    it("with auto, refuses with a 400 context_length_exceeded naming input when even the newest turn does not fit, and calls no model", async () => {
      const { post, sent } = echoResponses(defaultBounds, memoryTable(), smallWindow)
      const refused = await post({ input: long, truncation: "auto" })
      expect(refused).toMatchObject({ status: 400, body: { error: { type: "invalid_request_error", code: "context_length_exceeded", param: "input" } } })
      expect(sent).toHaveLength(0)
    })
  })
})
