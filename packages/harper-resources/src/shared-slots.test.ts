import { COOLDOWN_SLOTS } from "@harper-gateway/models"
import { describe, expect, it } from "vitest"
import { SLOT_COUNT } from "./limits/limiter.ts"

describe("the node's shared slots", () => {
  it("hold a deployment's cooldown (plugin.ts gives the cooldowns the limits' slot arrays; a shorter one would leave them per thread)", () => {
    expect(SLOT_COUNT).toBeGreaterThanOrEqual(COOLDOWN_SLOTS)
  })
})
