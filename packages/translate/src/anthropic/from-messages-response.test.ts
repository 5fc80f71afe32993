import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { successOf } from "../../test/provider-stream.ts"
import { fromMessagesResponse } from "./from-messages-response.ts"

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../test/fixtures/anthropic/${name}`, import.meta.url), "utf8"))

describe("fromMessagesResponse: structured output through the forced tool", () => {
  it("the content is the tool input alone; a text block before it is kept apart, and the repair named", () => {
    const result = successOf(fromMessagesResponse(fixture("structured-tool-text-before.json"), { structuredOutputTool: "json" }))
    expect(result.content).toBe('{"a":1}')
    expect(JSON.parse(result.content ?? "")).toEqual({ a: 1 })
    expect(result.unknownParts).toEqual([{ type: "text", text: "Sure." }])
    expect(result.repaired).toContain("text_beside_structured_output")
    expect(result.finishReason).toBe("stop")
    expect(result.toolCalls).toBeUndefined()
  })

  it("text after the tool is kept apart too", () => {
    const body = {
      id: "m",
      model: "c",
      content: [
        { type: "tool_use", id: "t", name: "json", input: { a: 1 } },
        { type: "text", text: "Done." },
      ],
      stop_reason: "tool_use",
    }
    const result = successOf(fromMessagesResponse(body, { structuredOutputTool: "json" }))
    expect(result.content).toBe('{"a":1}')
    expect(result.unknownParts).toEqual([{ type: "text", text: "Done." }])
  })

  it("an answer that never called the forced tool (a refusal in text) keeps its text as the content", () => {
    const body = { id: "m", model: "c", content: [{ type: "text", text: "I can't help with that." }], stop_reason: "refusal" }
    const result = successOf(fromMessagesResponse(body, { structuredOutputTool: "json" }))
    expect(result.content).toBe("I can't help with that.")
    expect(result.repaired ?? []).not.toContain("text_beside_structured_output")
  })

  it("without the forced tool, text and a tool call stay as they are", () => {
    const result = successOf(fromMessagesResponse(fixture("structured-tool-text-before.json")))
    expect(result.content).toBe("Sure.")
    expect(result.toolCalls).toEqual([{ id: "toolu_01StructuredJson", name: "json", arguments: '{"a":1}' }])
  })
})

describe("fromMessagesResponse: a model fallback block", () => {
  it("the answer's model is the fallback block's `to` model, the block kept", () => {
    const result = successOf(fromMessagesResponse(fixture("model-fallback.json")))
    expect(result.model).toBe("claude-sonnet-4-5-20250929")
    expect(result.content).toBe("Here is the summary you asked for.")
    expect(result.unknownParts).toEqual([{ type: "fallback", from: { model: "claude-opus-4-5-20251101" }, to: { model: "claude-sonnet-4-5-20250929" }, trigger: { type: "refusal" } }])
  })

  it("of several hops the last one answered; a fallback block with no readable `to` model changes nothing", () => {
    const hop = (from: string, to: unknown) => ({ type: "fallback", from: { model: from }, to })
    const body = { id: "m", model: "a", content: [hop("a", { model: "b" }), hop("b", { model: "c" }), { type: "text", text: "x" }], stop_reason: "end_turn" }
    expect(successOf(fromMessagesResponse(body)).model).toBe("c")
    for (const to of [null, {}, { model: "" }, { model: 7 }, "c"]) {
      expect(successOf(fromMessagesResponse({ ...body, content: [hop("a", to), { type: "text", text: "x" }] })).model).toBe("a")
    }
  })
})
