import { describe, expect, it } from "vitest"
import { formatResetDuration } from "./reset-duration.ts"

describe("formatResetDuration", () => {
  it("writes OpenAI's forms", () => {
    expect(formatResetDuration(20)).toBe("20ms")
    expect(formatResetDuration(0.4)).toBe("1ms")
    expect(formatResetDuration(1_000)).toBe("1s")
    expect(formatResetDuration(1_500)).toBe("1.5s")
    expect(formatResetDuration(360_000)).toBe("6m0s")
    expect(formatResetDuration(3_723_000)).toBe("1h2m3s")
  })
})
