import { describe, expect, it } from "vitest"
import { finishReasonFromOpenAI, finishReasonToOpenAI } from "./map-finish-reason.ts"

describe("finish reasons (issue 10 §3)", () => {
  it("maps provider aliases to their meaning, case-insensitively", () => {
    const cases: [string, string][] = [
      ["end_turn", "stop"],
      ["stop_sequence", "stop"],
      ["eos", "stop"],
      ["eos_token", "stop"],
      ["STOP", "stop"],
      ["COMPLETE", "stop"],
      ["max_tokens", "length"],
      ["MAX_TOKENS", "length"],
      ["model_length", "length"],
      ["model_context_window_exceeded", "length"],
      ["tool_use", "tool_calls"],
      ["function_call", "tool_calls"],
      ["SAFETY", "content_filter"],
      ["recitation", "content_filter"],
      ["refusal", "content_filter"],
    ]
    for (const [raw, expected] of cases) expect([raw, finishReasonFromOpenAI(raw)]).toEqual([raw, expected])
  })

  it("keeps an unknown reason as other internally, and sends clients the spec's stop", () => {
    expect(finishReasonFromOpenAI("pause_turn")).toBe("other")
    expect(finishReasonToOpenAI("other", "pause_turn")).toBe("stop")
    for (const reason of ["stop", "length", "tool_calls", "content_filter"] as const) expect(finishReasonToOpenAI(reason, "whatever")).toBe(reason)
  })
})
