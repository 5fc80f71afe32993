import { describe, expect, it } from "vitest"
import { readTagged, SLOT_COUNT, storeTagged } from "./limit-slots.ts"

describe("tagged slots", () => {
  it("reads a value only under its own tag, and keeps the larger value of one tag when asked", () => {
    const slots = new BigInt64Array(new SharedArrayBuffer(SLOT_COUNT * 8))
    expect(readTagged(slots, 0, 1, 5n)).toBe(0n)
    storeTagged(slots, 0, 1, 5n, 100n, true)
    storeTagged(slots, 0, 1, 5n, 40n, true)
    expect(readTagged(slots, 0, 1, 5n)).toBe(100n)
    expect(readTagged(slots, 0, 1, 6n)).toBe(0n)
    storeTagged(slots, 0, 1, 6n, 40n, true) // a new period starts from its own value
    expect(readTagged(slots, 0, 1, 6n)).toBe(40n)
    storeTagged(slots, 0, 1, 6n, 10n, false)
    expect(readTagged(slots, 0, 1, 6n)).toBe(10n)
  })
})
