import { describe, expect, it } from "vitest"
import { specValidator } from "../../test/openapi-validator.ts"
import { decodeCompletionRequest } from "./decode-completion-request.ts"
import { encodeCompletionRequest } from "./encode-completion-request.ts"

const validRequest = specValidator("CreateCompletionRequest")

/** The request of the spec's "No streaming" example (paths./completions, x-oaiMeta). */
const specExample = { model: "gpt-3.5-turbo-instruct", prompt: "Say this is a test", max_tokens: 7, temperature: 0 }

describe("decodeCompletionRequest", () => {
  it("reads the spec's example and sends it upstream as it came, under the upstream's model id", () => {
    const decoded = decodeCompletionRequest(specExample)
    expect(decoded).toEqual({ ok: true, value: { model: "gpt-3.5-turbo-instruct", fields: { prompt: "Say this is a test", max_tokens: 7, temperature: 0 }, stream: false, includeUsage: false } })
    if (!decoded.ok) return
    const body = encodeCompletionRequest({ ...decoded.value, model: "upstream-id" })
    expect(body).toEqual({ model: "upstream-id", prompt: "Say this is a test", max_tokens: 7, temperature: 0, stream: false })
    expect(validRequest(body)).toEqual([])
  })

  it("forwards suffix, echo, logprobs, best_of, n, stop, seed, logit_bias and user untouched", () => {
    const request = {
      model: "m",
      prompt: ["def add(a, b):\n", "x = "],
      suffix: "\n    return c",
      echo: true,
      logprobs: 5,
      best_of: 3,
      n: 2,
      stop: ["\n\n"],
      seed: 7,
      logit_bias: { "50256": -100 },
      user: "user-1234",
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      top_p: 0.9,
    }
    const decoded = decodeCompletionRequest(request)
    if (!decoded.ok) throw new Error(JSON.stringify(decoded.error))
    const { model: _model, ...fields } = request
    expect(encodeCompletionRequest(decoded.value)).toEqual({ ...fields, model: "m", stream: false })
  })

  it("reads every prompt form the spec has: token arrays too", () => {
    for (const prompt of ["", "text", ["a", "b"], [1212, 318], [[1212, 318], [13]], null]) {
      expect(decodeCompletionRequest({ model: "m", prompt })).toMatchObject({ ok: true, value: { fields: { prompt } } })
    }
  })

  it("asks a stream for its usage whatever the client asked, and remembers what it asked", () => {
    const plain = decodeCompletionRequest({ model: "m", prompt: "p", stream: true })
    const withUsage = decodeCompletionRequest({ model: "m", prompt: "p", stream: true, stream_options: { include_usage: true } })
    expect(plain).toMatchObject({ ok: true, value: { stream: true, includeUsage: false } })
    expect(withUsage).toMatchObject({ ok: true, value: { stream: true, includeUsage: true } })
    if (!plain.ok) return
    const body = encodeCompletionRequest(plain.value)
    expect(body).toEqual({ model: "m", prompt: "p", stream: true, stream_options: { include_usage: true } })
    expect(validRequest(body)).toEqual([])
  })

  it("keeps a provider extension for the model's forwarding policy", () => {
    const decoded = decodeCompletionRequest({ model: "m", prompt: "p", top_k: 40 })
    expect(decoded).toMatchObject({ ok: true, value: { passthrough: { top_k: 40 } } })
    if (decoded.ok) expect(encodeCompletionRequest(decoded.value)).toEqual({ top_k: 40, model: "m", prompt: "p", stream: false })
  })

  it.each([
    [{ model: "m", prompt: "p", logprobs: 6 }, "logprobs"],
    [{ model: "m", prompt: "p", echo: "yes" }, "echo"],
    [{ model: "m", prompt: "p", suffix: 3 }, "suffix"],
    [{ model: "m", prompt: "p", n: 0 }, "n"],
    [{ model: "m", prompt: "p", best_of: 21 }, "best_of"],
    [{ model: "m", prompt: "p", max_tokens: -1 }, "max_tokens"],
    [{ model: "m", prompt: "p", temperature: 3 }, "temperature"],
    [{ model: "m", prompt: [1, "a"] }, "prompt[1]"],
    [{ model: "m" }, "prompt"],
    [{ prompt: "p" }, "model"],
    [{ model: "m", prompt: "p", stream_options: { include_obfuscation: true } }, "stream_options.include_obfuscation"],
  ])("refuses %j with a 400 naming %s", (body, param) => {
    const decoded = decodeCompletionRequest(body)
    expect(decoded).toMatchObject({ ok: false, error: { _tag: "InvalidRequest", param } })
  })

  it("refuses a body that is not an object", () => {
    for (const body of [null, [], "prompt", 3]) expect(decodeCompletionRequest(body)).toMatchObject({ ok: false, error: { _tag: "InvalidRequest", code: "invalid_body" } })
  })
})
