import { describe, expect, it } from "vitest"
import { expandEnv } from "./expand-env.ts"

describe("expandEnv", () => {
  it("expands ${VAR} in every string leaf and reports the unset ones", () => {
    const { value, missing } = expandEnv(
      { a: "${HOST}/v1", b: ["${KEY}", 3, true], c: { d: "x${MISSING}y" } },
      { HOST: "http://h", KEY: "k" },
    )
    expect(value).toEqual({ a: "http://h/v1", b: ["k", 3, true], c: { d: "xy" } })
    expect(missing).toEqual(["MISSING"])
  })
})
