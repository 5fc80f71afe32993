import { describe, expect, it } from "vitest"
import { specValidator } from "../../test/openapi-validator.ts"
import type { ChatCall } from "./chat-call.ts"
import { encodeChatRequest } from "./encode-chat-request.ts"

const validateRequest = specValidator("CreateChatCompletionRequest")
const ephemeral = { type: "ephemeral" as const }
const hour = { type: "ephemeral" as const, ttl: "1h" as const }

const call = (forwardCacheControl: boolean): ChatCall => ({
  input: {
    messages: [
      { role: "system", content: [{ type: "text", text: "rules", cacheControl: ephemeral }] },
      {
        role: "user",
        content: [
          { type: "text", text: "doc", cacheControl: hour },
          { type: "image", url: "https://example.test/a.png", cacheControl: ephemeral },
          { type: "file", fileId: "file-1", cacheControl: ephemeral },
          { type: "text", text: "question" },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "earlier", cacheControl: ephemeral }] },
      { role: "tool", toolCallId: "call_1", content: [{ type: "text", text: "result", cacheControl: ephemeral }] },
    ],
  },
  opts: { model: "m" },
  stream: false,
  includeUsage: false,
  ...(forwardCacheControl ? { forwardCacheControl: true as const } : {}),
})

describe("encodeChatRequest: prompt-caching breakpoints for OpenAI-compatible upstreams", () => {
  it("sends each part's cache_control as the client wrote it when the model's config forwards it", () => {
    const body = JSON.parse(JSON.stringify(encodeChatRequest(call(true))))
    expect(body.messages).toEqual([
      { role: "system", content: [{ type: "text", text: "rules", cache_control: ephemeral }] },
      {
        role: "user",
        content: [
          { type: "text", text: "doc", cache_control: hour },
          { type: "image_url", image_url: { url: "https://example.test/a.png" }, cache_control: ephemeral },
          { type: "file", file: { file_id: "file-1" }, cache_control: ephemeral },
          { type: "text", text: "question" },
        ],
      },
      { role: "assistant", content: [{ type: "text", text: "earlier", cache_control: ephemeral }] },
      { role: "tool", tool_call_id: "call_1", content: [{ type: "text", text: "result", cache_control: ephemeral }] },
    ])
  })

  it("sends none otherwise, and the body stays a spec request", () => {
    const body = JSON.parse(JSON.stringify(encodeChatRequest(call(false))))
    expect(JSON.stringify(body)).not.toContain("cache_control")
    expect(validateRequest(body)).toEqual([])
  })
})
