/**
 * The matrix's bookkeeping without a Harper: a scenario a provider cannot do is skipped and
 * shown as `cannot: reason`, never as a pass; the openai target's extractors read what the
 * OpenAI wire carried.
 */
import { describe, expect, it } from "vitest"
import { createConformanceTable, otherTargets, tableFileName } from "./conformance-table.ts"
import type { UpstreamRequest } from "./conformance-upstream.ts"
import { openAIChatExtractors, openAIEmbeddings } from "./openai-target.ts"

describe("conformance table", () => {
  const table = createConformanceTable("fake")
  let cannotRan = false
  table.scenario("client", "works", async () => {})
  table.scenario(
    "client",
    "impossible",
    async () => {
      cannotRan = true
    },
    { cannot: "the provider has no such API" },
  )
  table.scenario("client", "elsewhere", async () => {}, { ranOn: "on the openai backend: no embeddings API" })

  it("after the scenarios ran: cannot is skipped, shown as cannot, and not counted as a pass", () => {
    expect(cannotRan).toBe(false)
    const markdown = table.markdown("# t")
    expect(markdown).toContain("| client | works | pass |")
    expect(markdown).toContain("| client | impossible | cannot: the provider has no such API |")
    expect(markdown).toContain("| client | elsewhere | pass (on the openai backend: no embeddings API) |")
    expect(markdown).toContain("2 of 2 scenarios passed; 1 more the provider cannot do (marked cannot).")
  })

  it("a table with no cannot keeps the plain summary", () => {
    const plain = createConformanceTable("plain")
    expect(plain.markdown("# t").split("\n").at(-1)).toBe("0 of 0 scenarios passed.")
  })

  it("the openai table is docs/conformance.md, the others docs/conformance-<target>.md", () => {
    expect(tableFileName("openai")).toBe("conformance.md")
    expect(tableFileName("anthropic")).toBe("conformance-anthropic.md")
    // Targets are found by their test files; clients.conformance.test.ts is the openai one, not another.
    expect(otherTargets()).not.toContain("openai")
    expect(otherTargets()).not.toContain("")
  })
})

describe("openai target's extractors", () => {
  const request = (path: string, body: Record<string, unknown>): UpstreamRequest => ({ path, headers: {}, body, closedEarly: false })
  const chat = request("/v1/chat/completions", {
    model: "m",
    response_format: { type: "json_schema", json_schema: { name: "holiday", strict: true, schema: { type: "object" } } },
    messages: [
      { role: "system", content: "be brief" },
      {
        role: "user",
        content: [
          { type: "text", text: "What is this?" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
          { type: "image_url", image_url: { url: "https://example.com/a.png" } },
        ],
      },
      { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "weather", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "c1", content: "fog" },
    ],
  })

  it("turns: roles, texts and tool call names", () => {
    expect(openAIChatExtractors.turnsSent(chat)).toEqual([
      { role: "system", text: "be brief", toolCalls: [] },
      { role: "user", text: "What is this?", toolCalls: [] },
      { role: "assistant", text: "", toolCalls: ["weather"] },
      { role: "tool", text: "fog", toolCalls: [] },
    ])
  })

  it("images: a data URL as media type and data, another URL as is", () => {
    expect(openAIChatExtractors.imagesSent(chat)).toEqual([{ mediaType: "image/png", data: "AAAA" }, { url: "https://example.com/a.png" }])
  })

  it("JSON schema: schema, name and strict from response_format; none without one", () => {
    expect(openAIChatExtractors.jsonSchemaSent(chat)).toEqual({ schema: { type: "object" }, name: "holiday", strict: true })
    expect(openAIChatExtractors.jsonSchemaSent(request("/v1/chat/completions", { response_format: { type: "json_object" } }))).toBeUndefined()
    // A missing name is undefined (the scenario fails), not null (the protocol has no name).
    expect(openAIChatExtractors.jsonSchemaSent(request("/v1/chat/completions", { response_format: { type: "json_schema", json_schema: { schema: {} } } }))?.name).toBeUndefined()
  })

  it("embedding inputs: only on /v1/embeddings; a string, texts or token arrays", () => {
    const inputs = openAIEmbeddings.extract.embeddingInputs
    expect(inputs(chat)).toBeUndefined()
    expect(inputs(request("/v1/embeddings", { input: "a" }))).toEqual(["a"])
    expect(inputs(request("/v1/embeddings", { input: [1, 2] }))).toEqual([[1, 2]])
    expect(inputs(request("/v1/embeddings", { input: [[1, 2], [3]] }))).toEqual([[1, 2], [3]])
  })
})
