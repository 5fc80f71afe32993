import { describe, expect, it } from "vitest"
import { fromOllamaError } from "./from-ollama-error.ts"

const answer = (status: number, body: string) => ({ status, body, header: (name: string) => (name === "retry-after" ? "1" : undefined) })

/**
 * Bodies from Ollama's error documentation (docs.ollama.com/api/errors: `{"error": "..."}`
 * with the status) and the 400 Ollama answers /api/embed for an input longer than the
 * model's context ("the input length exceeds the context length", as quoted in
 * ollama/ollama#14186 and client reports of it).
 */
describe("Ollama's errors", () => {
  it("an input longer than the context is a context-length error naming the embeddings input, or the chat messages", () => {
    const body = '{"error":"the input length exceeds the context length"}'
    expect(fromOllamaError(answer(400, body), 0, { request: "embed" })).toMatchObject({ _tag: "ContextLengthExceeded", param: "input", message: "the input length exceeds the context length" })
    expect(fromOllamaError(answer(400, body), 0, { request: "chat" })).toMatchObject({ _tag: "ContextLengthExceeded", param: "messages" })
  })

  it("an unknown model is a model-not-found; a rate limit keeps its retry-after; a 500 is the provider's error", () => {
    expect(fromOllamaError(answer(404, `{"error":"model 'llama3.2' not found"}`), 0, { request: "chat" })._tag).toBe("ModelNotFound")
    expect(fromOllamaError(answer(429, '{"error":"too many requests"}'), 0, { request: "chat" })).toMatchObject({ _tag: "RateLimited", retryAfterMs: 1000 })
    expect(fromOllamaError(answer(500, '{"error":"failed to load model: out of memory"}'), 0, { request: "chat" })).toMatchObject({ _tag: "UpstreamError", upstreamStatus: 500 })
  })

  it("hides the message when told to", () => {
    const reason = fromOllamaError(answer(400, '{"error":"the input length exceeds the context length"}'), 0, { request: "embed", exposeMessage: false })
    expect(reason).toMatchObject({ _tag: "ContextLengthExceeded", param: "input" })
    expect(JSON.stringify(reason)).not.toContain("exceeds the context length")
  })
})
