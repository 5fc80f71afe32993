import { describe, expect, it } from "vitest"
import { carriesContent } from "./chunk-progress.ts"

describe("what a stream chunk counts as progress for the idle clock", () => {
  it("text, reasoning, a refusal, a tool-call fragment, a signed block, a citation, an unknown part, a finish or usage", () => {
    expect(carriesContent({ deltaContent: "a" })).toBe(true)
    expect(carriesContent({ deltaReasoning: "hm" })).toBe(true)
    expect(carriesContent({ deltaRefusal: "no" })).toBe(true)
    expect(carriesContent({ deltaToolCalls: [{ index: 0, argumentsDelta: "{" }] })).toBe(true)
    expect(carriesContent({ deltaToolCalls: [{ index: 0, id: "call_1", name: "f" }] })).toBe(true)
    expect(carriesContent({ thinkingBlocks: [{ type: "thinking", thinking: "x", signature: "s" }] })).toBe(true)
    expect(carriesContent({ annotations: [{ type: "url_citation", url: "https://a.example", title: "a", startIndex: 0, endIndex: 1 }] })).toBe(true)
    expect(carriesContent({ unknownParts: [{ type: "x" }] })).toBe(true)
    expect(carriesContent({ finishReason: "stop" })).toBe(true)
    expect(carriesContent({ usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 } })).toBe(true)
  })

  it("not an identity, a role, empty deltas, empty lists, repairs or extensions alone", () => {
    expect(carriesContent({})).toBe(false)
    expect(carriesContent({ id: "c", model: "m", created: 1 })).toBe(false)
    expect(carriesContent({ deltaContent: "", deltaReasoning: "", deltaRefusal: "" })).toBe(false)
    expect(carriesContent({ deltaToolCalls: [] })).toBe(false)
    expect(carriesContent({ deltaToolCalls: [{ index: 0, argumentsDelta: "" }] })).toBe(false)
    expect(carriesContent({ thinkingBlocks: [], annotations: [], unknownParts: [] })).toBe(false)
    expect(carriesContent({ repaired: ["id_missing"], extensions: { x: 1 } })).toBe(false)
  })
})
