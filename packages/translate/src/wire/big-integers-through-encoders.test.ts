import { describe, expect, it } from "vitest"
import { encodeMessagesRequest } from "../anthropic/encode-messages-request.ts"
import { decodeChatRequest } from "../chat/decode-chat-request.ts"
import { encodeChatRequest } from "../chat/encode-chat-request.ts"
import { encodeGenerateRequest } from "../gemini/encode-generate-request.ts"
import { encodeOllamaChatRequest } from "../ollama/encode-chat-request.ts"
import type { ChatCall } from "../chat/chat-call.ts"
import { parseJsonLossless } from "./parse-request-json.ts"

/**
 * An integer beyond 2^53 in free-form JSON (a tool's parameters, a response schema, a
 * tool call's arguments) reaches every backend's body as the client's own digits, and
 * no encoder throws on it.
 */
const BIG = "123456789012345678901"
const body =
  `{"model":"m","messages":[{"role":"user","content":"hi"},` +
  `{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\\"n\\":${BIG}}"}}]},` +
  `{"role":"tool","tool_call_id":"call_1","content":"ok"}],` +
  `"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"n":{"type":"integer","maximum":${BIG}}}}}}],` +
  `"response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{"type":"object","properties":{"m":{"minimum":-${BIG}}}}}}}`

function call(): ChatCall {
  const decoded = decodeChatRequest(parseJsonLossless(body))
  if (!decoded.ok) throw new Error(JSON.stringify(decoded.error))
  return decoded.value
}

function unwrap<T>(outcome: { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown }): T {
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.error))
  return outcome.value
}

describe("integers beyond 2^53 through every backend's encoder", () => {
  const encoders: Record<string, () => unknown> = {
    openai: () => encodeChatRequest(call()),
    anthropic: () => unwrap(encodeMessagesRequest(call(), { defaultMaxTokens: 1024 })).body,
    gemini: () => unwrap(encodeGenerateRequest(call())),
    "gemini (JSON Schema fields)": () => unwrap(encodeGenerateRequest(call(), { jsonSchemaFields: true })),
    ollama: () => unwrap(encodeOllamaChatRequest(call())),
  }
  for (const [name, encode] of Object.entries(encoders)) {
    it(`${name}: the tool's schema keeps the exact digits`, () => {
      expect(JSON.stringify(encode())).toContain(`"maximum":${BIG}`)
    })
  }

  for (const name of ["anthropic", "gemini", "ollama"]) {
    it(`${name}: a tool call's arguments, sent as an object, keep the exact digits`, () => {
      expect(JSON.stringify(encoders[name]?.())).toMatch(new RegExp(`"n":${BIG}`))
    })
  }

  it("openai: the arguments text and the response schema are sent as the client wrote them", () => {
    const sent = JSON.stringify(encoders["openai"]?.())
    expect(sent).toContain(`\\"n\\":${BIG}`)
    expect(sent).toContain(`"minimum":-${BIG}`)
  })

  it("gemini: the response schema keeps the exact digits", () => {
    for (const name of ["gemini", "gemini (JSON Schema fields)"]) expect(JSON.stringify(encoders[name]?.())).toContain(`"minimum":-${BIG}`)
  })
})
