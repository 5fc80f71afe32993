import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { valueOf } from "../../test/provider-stream.ts"
import { fromMessagesResponse } from "./from-messages-response.ts"

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../test/fixtures/anthropic/${name}`, import.meta.url), "utf8"))

describe("fromMessagesResponse: structured output through the forced tool", () => {
  it("the content is the tool input alone; a text block before it is kept apart, and the repair named", () => {
    const result = valueOf(fromMessagesResponse(fixture("structured-tool-text-before.json"), { structuredOutputTool: "json" }))
    expect(result.content).toBe('{"a":1}')
    expect(JSON.parse(result.content ?? "")).toEqual({ a: 1 })
    expect(result.unknownParts).toEqual([{ type: "text", text: "Sure." }])
    expect(result.repaired).toContain("text_beside_structured_output")
    expect(result.finishReason).toBe("stop")
    expect(result.toolCalls).toBeUndefined()
  })

  it("text after the tool is kept apart too", () => {
    const body = { id: "m", model: "c", content: [{ type: "tool_use", id: "t", name: "json", input: { a: 1 } }, { type: "text", text: "Done." }], stop_reason: "tool_use" }
    const result = valueOf(fromMessagesResponse(body, { structuredOutputTool: "json" }))
    expect(result.content).toBe('{"a":1}')
    expect(result.unknownParts).toEqual([{ type: "text", text: "Done." }])
  })

  it("an answer that never called the forced tool (a refusal in text) keeps its text as the content", () => {
    const body = { id: "m", model: "c", content: [{ type: "text", text: "I can't help with that." }], stop_reason: "refusal" }
    const result = valueOf(fromMessagesResponse(body, { structuredOutputTool: "json" }))
    expect(result.content).toBe("I can't help with that.")
    expect(result.repaired ?? []).not.toContain("text_beside_structured_output")
  })

  it("without the forced tool, text and a tool call stay as they are", () => {
    const result = valueOf(fromMessagesResponse(fixture("structured-tool-text-before.json")))
    expect(result.content).toBe("Sure.")
    expect(result.toolCalls).toEqual([{ id: "toolu_01StructuredJson", name: "json", arguments: '{"a":1}' }])
  })
})
