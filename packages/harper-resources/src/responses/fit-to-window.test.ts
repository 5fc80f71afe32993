import { decodeResponsesRequest, type ResponsesCall, type ResponsesWire } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { itemsToSend, type WindowPolicy } from "./fit-to-window.ts"

const callOf = (body: Record<string, unknown>): ResponsesCall => {
  const decoded = decodeResponsesRequest({ model: "m", input: "x", ...body })
  if (!decoded.ok) throw new Error(JSON.stringify(decoded.error))
  return decoded.value
}
const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(" ")
const history: ResponsesWire.ResponseItem[] = [
  { type: "message", role: "user", content: words(200) },
  { type: "message", role: "assistant", content: words(200) },
  { type: "message", role: "user", content: "newest" },
]
const policy = (contextWindow: number | undefined, defaultOutputTokens = 16): WindowPolicy => ({ contextWindowOf: (model) => (model === "m" ? contextWindow : undefined), defaultOutputTokens })

describe("itemsToSend", () => {
  it("sends everything with truncation disabled, however small the window: the upstream answers as it does today", () => {
    expect(itemsToSend(callOf({}), history, policy(50))).toEqual({ ok: true, value: history })
    expect(itemsToSend(callOf({ truncation: "disabled" }), history, policy(50))).toEqual({ ok: true, value: history })
  })

  it("drops nothing with auto when the model configures no contextWindow: the window is unknown", () => {
    expect(itemsToSend(callOf({ truncation: "auto" }), history, policy(undefined))).toEqual({ ok: true, value: history })
  })

  it("fits the conversation to the model's window with auto, keeping max_output_tokens (else the default) for the answer", () => {
    expect(itemsToSend(callOf({ truncation: "auto" }), history, policy(100_000))).toEqual({ ok: true, value: history })
    expect(itemsToSend(callOf({ truncation: "auto" }), history, policy(60))).toEqual({ ok: true, value: history.slice(2) })
    // The same window with 59 tokens asked for the answer leaves too little for even the newest message.
    const refused = itemsToSend(callOf({ truncation: "auto", max_output_tokens: 59 }), history, policy(60))
    expect(refused).toMatchObject({ ok: false, error: { _tag: "ContextLengthExceeded", param: "input" } })
    expect(itemsToSend(callOf({ truncation: "auto" }), history, policy(60, 59)).ok).toBe(false)
  })

  it("counts the instructions and tools against the window", () => {
    const tools = [{ type: "function", name: "f", description: words(100), parameters: {} }]
    expect(itemsToSend(callOf({ truncation: "auto", instructions: words(100) }), history.slice(2), policy(60)).ok).toBe(false)
    expect(itemsToSend(callOf({ truncation: "auto", tools }), history.slice(2), policy(60)).ok).toBe(false)
  })
})
