import { describe, expect, it } from "vitest"
import { successOf } from "../../test/provider-stream.ts"
import { contentsToGemini } from "./contents-to-gemini.ts"

describe("contentsToGemini: a signed assistant text", () => {
  it("sends the turn's textSignature back on its text part", () => {
    const conversation = successOf(
      contentsToGemini([
        { role: "user", content: "Capital of France?" },
        { role: "assistant", content: "Paris.", textSignature: "sig" },
        { role: "user", content: "And Spain?" },
      ]),
    )
    expect(conversation.contents[1]).toEqual({ role: "model", parts: [{ text: "Paris.", thoughtSignature: "sig" }] })
  })

  it("an unsigned text goes without a signature (never the sentinel: text signatures are optional)", () => {
    const conversation = successOf(
      contentsToGemini(
        [
          { role: "user", content: "Hi" },
          { role: "assistant", content: "Hello." },
        ],
        { unsignedToolCallSignature: "skip_thought_signature_validator" },
      ),
    )
    expect(conversation.contents[1]).toEqual({ role: "model", parts: [{ text: "Hello." }] })
  })
})
