import { describe, expect, it } from "vitest"
import { describeMissing, expandEnv } from "./expand-env.ts"

describe("expandEnv", () => {
  it("expands ${VAR} in every string leaf and reports each unset one with the setting that needs it", () => {
    const { value, missing } = expandEnv({ a: "${HOST}/v1", b: ["${KEY}", 3, true], models: { generative: { default: { apiKey: "x${MISSING}y", baseUrl: "${EMPTY}" } } } }, { HOST: "http://h", KEY: "k", EMPTY: "" })
    expect(value).toEqual({ a: "http://h/v1", b: ["k", 3, true], models: { generative: { default: { apiKey: "xy", baseUrl: "" } } } })
    expect(missing).toEqual([
      { name: "MISSING", path: "models.generative.default.apiKey" },
      { name: "EMPTY", path: "models.generative.default.baseUrl" },
    ])
    expect(describeMissing(missing)).toBe("gateway config: environment variable MISSING is not set (needed by models.generative.default.apiKey); environment variable EMPTY is not set (needed by models.generative.default.baseUrl)")
  })
})
