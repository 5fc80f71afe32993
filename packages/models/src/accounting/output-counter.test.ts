import { describe, expect, it } from "vitest"
import { charOutputCounter, countAnswer, countChunk } from "./output-counter.ts"

describe("output counter", () => {
  it("counts about 4 characters a token, rounding up", () => {
    const counter = charOutputCounter()
    expect(counter.tokens()).toBe(0)
    counter.add("abcde")
    expect(counter.tokens()).toBe(2)
  })

  it("counts every kind of streamed output, of every choice", () => {
    const counter = charOutputCounter()
    countChunk(counter, { deltaContent: "aaaa" })
    countChunk(counter, { choiceIndex: 1, deltaReasoning: "bbbb", deltaRefusal: "cccc" })
    countChunk(counter, {
      deltaToolCalls: [
        { index: 0, id: "call_1", name: "dddd" },
        { index: 0, argumentsDelta: "eeee" },
      ],
    })
    countChunk(counter, { finishReason: "stop", usage: { promptTokens: 1000 } })
    expect(counter.tokens()).toBe(5)
  })

  it("counts an answer's text, tool calls and additional choices", () => {
    const counter = charOutputCounter()
    countAnswer(counter, {
      content: "aaaa",
      reasoning: "bbbb",
      finishReason: "tool_calls",
      toolCalls: [{ id: "x", name: "cccc", arguments: "dddd" }],
      additionalChoices: [{ index: 1, content: "eeee", finishReason: "stop" }],
    })
    expect(counter.tokens()).toBe(5)
  })
})
