/**
 * The unmodified openai SDK's `client.completions.create` (legacy text completions) against
 * a real Harper, its openai model served by a local upstream on 127.0.0.1 that answers with
 * OpenAI's documented examples (harper-resources/test/completions-upstream.ts).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import OpenAI from "openai"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startHarper, type HarperInstance } from "../../harper-resources/dev/harper-process.ts"
import { startCompletionsUpstream, type CompletionsUpstream, type ReceivedCompletion } from "../../harper-resources/test/completions-upstream.ts"

const admin = { username: "admin", password: "sdk-completions-pw" }
const basic = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}`

let root: string
let harper: HarperInstance
let upstream: CompletionsUpstream
let client: OpenAI
const received: ReceivedCompletion[] = []

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "harper-gateway-sdk-completions-"))
  upstream = await startCompletionsUpstream(received)
  harper = await startHarper({
    root,
    admin,
    gatewayConfig: {
      models: {
        generative: {
          instruct: { backend: "openai", baseUrl: `${upstream.url}/v1`, apiKey: "sk-upstream-test", model: "gpt-3.5-turbo-instruct" },
          claude: { backend: "anthropic", apiKey: "sk-ant-test", model: "claude-sonnet-4-5" },
        },
      },
      auth: { roles: ["gateway_user"] },
    },
  })
  const created = await fetch(`${harper.url}/gateway/keys`, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify({ user: admin.username, tenant: "sdk" }) })
  const body: unknown = await created.json()
  if (typeof body !== "object" || body === null || !("key" in body) || typeof body.key !== "string") throw new Error(`no key: ${JSON.stringify(body)}`)
  client = new OpenAI({ baseURL: `${harper.url}/v1`, apiKey: body.key })
}, 120_000)

afterAll(async () => {
  await harper?.stop()
  await upstream?.close()
  if (root !== undefined) rmSync(root, { recursive: true, force: true })
}, 60_000)

describe("the openai SDK's completions.create through the gateway", () => {
  it("gets the completion, with suffix, echo and logprobs forwarded", async () => {
    received.length = 0
    const completion = await client.completions.create({ model: "instruct", prompt: "Say this is a test", suffix: " indeed.", echo: true, logprobs: 1, max_tokens: 7 })
    expect(completion.object).toBe("text_completion")
    expect(completion.choices[0]?.text).toBe("Say this is a test")
    expect(completion.choices[0]?.logprobs?.token_logprobs).toEqual([-3.2])
    expect(completion.usage).toEqual({ prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 })
    expect(received[0]?.body).toMatchObject({ suffix: " indeed.", echo: true, logprobs: 1 })
  })

  it("streams it, the usage last when asked", async () => {
    const stream = await client.completions.create({ model: "instruct", prompt: "Say this is a test", stream: true, stream_options: { include_usage: true } })
    let text = ""
    let usage: OpenAI.CompletionUsage | undefined
    for await (const chunk of stream) {
      text += chunk.choices.map((choice) => choice.text).join("")
      usage = chunk.usage ?? usage
    }
    expect(text).toBe("This is a")
    expect(usage).toEqual({ prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 })
  })

  it("gets a BadRequestError, not retried, for a model whose backend has no text completions", async () => {
    received.length = 0
    const failure = await client.completions.create({ model: "claude", prompt: "Say this is a test" }).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(failure).toBeInstanceOf(OpenAI.BadRequestError)
    if (failure instanceof OpenAI.BadRequestError) expect([failure.status, failure.code, failure.param]).toEqual([400, "unsupported_endpoint", "model"])
    expect(received).toEqual([])
  })
})
