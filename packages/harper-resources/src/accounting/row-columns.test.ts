import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { testRow } from "../../../models/test/test-row.ts"
import { columnFault, FLOAT_COLUMNS, INT_COLUMNS } from "./row-columns.ts"

/** The columns of hdb_model_calls of one type, as schema.graphql declares them. */
function schemaColumns(type: string): string[] {
  const schema = readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8")
  const block = schema.slice(schema.indexOf("type hdb_model_calls"), schema.indexOf("}", schema.indexOf("type hdb_model_calls")))
  return [...block.matchAll(new RegExp(`^\\s+(\\w+): ${type}\\b`, "gm"))].map((match) => match[1] ?? "")
}

describe("the row check against hdb_model_calls' column types", () => {
  it("knows every Int and Float column the schema declares", () => {
    expect([...INT_COLUMNS].sort()).toEqual(schemaColumns("Int").sort())
    expect([...FLOAT_COLUMNS].sort()).toEqual(schemaColumns("Float").sort())
  })

  it("passes a row whose numbers fit, the largest Int included, and nulls", () => {
    expect(columnFault(testRow("a"))).toBeUndefined()
    expect(columnFault(testRow("a", { promptTokens: 2_147_483_647, completionTokens: null, cost_usd: null }))).toBeUndefined()
  })

  it("names the column and value Harper's Int would refuse: too large, fractional, non-finite", () => {
    expect(columnFault(testRow("a", { promptTokens: 1e20 }))).toBe("promptTokens is 100000000000000000000: not a 32-bit integer (an Int column)")
    expect(columnFault(testRow("a", { prompt_tokens: 2_147_483_648 }))).toContain("prompt_tokens")
    expect(columnFault(testRow("a", { totalTokens: 3.7 }))).toContain("totalTokens")
    expect(columnFault(testRow("a", { attempt: Number.POSITIVE_INFINITY }))).toContain("attempt")
    expect(columnFault(testRow("a", { status: Number.NaN }))).toContain("status")
  })

  it("refuses a Float that is not finite", () => {
    expect(columnFault(testRow("a", { cost_usd: Number.POSITIVE_INFINITY }))).toBe("cost_usd is Infinity: not a finite number")
    expect(columnFault(testRow("a", { latencyMs: Number.NaN }))).toContain("latencyMs")
  })
})
