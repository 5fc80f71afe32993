import { describe, expect, it } from "vitest"
import type { ModelCallRecord } from "./accounting/model-call-record.ts"
import { createEchoBackend } from "./backends/echo-backend.ts"
import { createBackendRegistry, type ModelRoute } from "./backend-registry.ts"
import type { GenerativeBackend } from "./backend.ts"
import { createModelsService, type CallSink } from "./models-service.ts"

const instantClock = { now: () => 0, random: () => 0, sleep: async () => undefined }

function serviceWith(backend: GenerativeBackend) {
  const rows: ModelCallRecord[] = []
  const recorder: CallSink = { started: () => undefined, record: (row) => void rows.push(row) }
  const route: ModelRoute<GenerativeBackend> = { kind: "generative", logicalName: "chat", upstreamModel: "up-1", backend, extraFields: new Set() }
  const registry = createBackendRegistry(new Map([["chat", route]]), new Map(), { generative: new Map([["up-1", "chat"]]), embedding: new Map() })
  return { rows, service: createModelsService(registry, recorder, { routingClock: instantClock }) }
}

const meta = () => ({ tenant: "t", user: "u", endpoint: "chat.completions", signal: new AbortController().signal })

describe("a failure's errorDetail on the row", () => {
  it("is readable text whatever a backend throws: a plain object is its JSON, never [object Object]", async () => {
    const thrown = { code: "E_SOCKET", errno: -104 }
    const { rows, service } = serviceWith({ ...createEchoBackend(), generate: async () => Promise.reject(thrown) })
    await expect(service.chat({ input: { messages: [{ role: "user", content: "hi" }] }, opts: { model: "chat" }, stream: false, includeUsage: false }, meta())).rejects.toBeDefined()
    expect(rows.length).toBeGreaterThan(0)
    for (const row of rows) {
      expect(row.errorDetail).not.toContain("[object Object]")
      expect(row.errorDetail).toContain('"code":"E_SOCKET"')
    }
  })
})
