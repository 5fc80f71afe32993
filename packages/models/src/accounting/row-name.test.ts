import { describe, expect, it } from "vitest"
import { createBackendRegistry } from "../backend-registry.ts"
import { createModelsService } from "../models-service.ts"
import type { ModelCallRecord } from "./model-call-record.ts"
import { MAX_ROW_NAME_CHARS, rowName } from "./row-name.ts"

describe("a name a client chose, as a row keeps it", () => {
  it("keeps a name up to the bound, and cuts a longer one, saying so", () => {
    expect(rowName(null)).toBe(null)
    expect(rowName("gpt-4o")).toBe("gpt-4o")
    expect(rowName("m".repeat(MAX_ROW_NAME_CHARS))).toBe("m".repeat(MAX_ROW_NAME_CHARS))
    const cut = rowName("m".repeat(1_000_000))
    expect(cut?.length).toBeLessThanOrEqual(MAX_ROW_NAME_CHARS + 40)
    expect(cut?.endsWith("(999744 more characters)")).toBe(true)
  })

  it("bounds a refused call's model in its row: a 1 MB model name is no 1 MB row", () => {
    const rows: ModelCallRecord[] = []
    const registry = createBackendRegistry(new Map(), new Map(), { generative: new Map(), embedding: new Map() })
    const service = createModelsService(registry, { started: () => undefined, record: (row) => void rows.push(row) })
    service.recordRejection({ tenant: "t", user: "u", endpoint: "chat.completions", signal: new AbortController().signal }, "m".repeat(1_000_000), { _tag: "InvalidRequest", message: "bad" }, false)
    expect(JSON.stringify(rows[0]).length).toBeLessThan(10_000)
  })
})
