import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { buildRegistry, createModelsService, ModelsConfig, type ModelCallRecord } from "@harper-gateway/models"
import type { StoredResponse, ResponseStore } from "../responses/response-store.ts"
import type { Gateway } from "./gateway.ts"
import type { HarperRequest } from "./harper-request.ts"
import { createResponse, DEFAULT_MAX_CHAIN_HOPS } from "./responses.ts"

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
  items: async () => new Map(),
  chain: async () => [],
}

describe("POST /v1/responses", () => {
  it("gives the client the answer it was billed for when storing the response fails, and logs the failure", async () => {
    const { gateway, rows, logged } = echoGateway()
    const response = await createResponse(gateway, { store: failingStore, maxChainHops: DEFAULT_MAX_CHAIN_HOPS }, request, { model: "echo", input: "hello" })
    expect(response.status).toBe(200)
    const body: unknown = JSON.parse(String(response.body))
    expect(body).toMatchObject({ object: "response", status: "completed" })
    expect(JSON.stringify(body)).not.toContain("MDB_MAP_FULL")
    expect(rows.map((row) => row.outcome)).toEqual(["success"])
    expect(logged).toEqual(["gateway responses: storing a response failed"])
  })
})
