import { describe, expect, it } from "vitest"
import { attemptsHeader } from "./attempts-header.ts"

describe("the attempts header", () => {
  it("lists each attempt with its model, deployment, status and error code", () => {
    expect(
      attemptsHeader([
        { logicalModel: "primary", deployment: "0", status: 503, code: "upstream_unavailable" },
        { logicalModel: "backup", deployment: "eu", status: 200, code: null },
      ]),
    ).toBe("primary/0=503:upstream_unavailable, backup/eu=200")
  })
  it("encodes separators in configured names", () => {
    expect(attemptsHeader([{ logicalModel: "a,b=c", deployment: "x/y", status: 200, code: null }])).toBe("a%2Cb%3Dc/x%2Fy=200")
  })
})
