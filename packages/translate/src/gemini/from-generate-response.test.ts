import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { successOf } from "../../test/provider-stream.ts"
import { fromGenerateResponse } from "./from-generate-response.ts"

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../test/fixtures/gemini/${name}`, import.meta.url), "utf8"))

describe("fromGenerateResponse: Gemini 3 thoughtSignature on text parts", () => {
  it("keeps a text part's signature as the answer's textSignature", () => {
    const result = successOf(fromGenerateResponse(fixture("text-thought-signature.json")))
    expect(result.content).toBe("The capital of France is Paris.")
    expect(result.textSignature).toBe("c2lnLXRleHQtMQ==")
  })

  it("of several signed text parts the last signature is kept; thought parts' and empty ones are not the text's", () => {
    const body = {
      candidates: [
        {
          content: {
            role: "model",
            parts: [
              { text: "a", thought: true, thoughtSignature: "t" },
              { text: "b", thoughtSignature: "s1" },
              { text: "c", thoughtSignature: "s2" },
              { text: "", thoughtSignature: "" },
            ],
          },
          finishReason: "STOP",
        },
      ],
    }
    expect(successOf(fromGenerateResponse(body)).textSignature).toBe("s2")
    const unsigned = { candidates: [{ content: { role: "model", parts: [{ text: "a", thought: true, thoughtSignature: "t" }, { text: "b" }] }, finishReason: "STOP" }] }
    expect(successOf(fromGenerateResponse(unsigned)).textSignature).toBeUndefined()
  })
})
