import { describe, expect, it } from "vitest"
import type { ResponseItem } from "../wire/responses-request.ts"
import { buildResponsesConversation, referencedItemIds, resolveItemReferences } from "./build-conversation.ts"
import { decodeResponsesRequest } from "./decode-responses-request.ts"

const call = (body: Record<string, unknown>) => {
  const outcome = decodeResponsesRequest({ model: "m", ...body })
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.error))
  return outcome.value
}

describe("buildResponsesConversation", () => {
  it("puts instructions first and joins function calls to the assistant turn before them", () => {
    const outcome = buildResponsesConversation(
      call({
        instructions: "sys",
        tools: [{ type: "function", name: "f", parameters: {}, strict: false }],
        input: [
          {
            role: "user",
            content: [
              { type: "input_text", text: "q" },
              { type: "input_image", image_url: "data:image/png;base64,AA", detail: "low" },
            ],
          },
          { type: "reasoning", id: "rs_1", summary: [] },
          { type: "message", role: "assistant", id: "msg_1", status: "completed", content: [{ type: "output_text", text: "let me", annotations: [] }] },
          { type: "function_call", call_id: "c1", name: "f", arguments: "{}" },
          { type: "function_call", call_id: "c2", name: "f", arguments: '{"a":1}' },
          { type: "function_call_output", call_id: "c1", output: "one" },
          { type: "function_call_output", call_id: "c2", output: [{ type: "input_text", text: "two" }] },
        ],
      }),
    )
    expect(outcome).toEqual({
      ok: true,
      value: {
        messages: [
          { role: "system", content: "sys" },
          {
            role: "user",
            content: [
              { type: "text", text: "q" },
              { type: "image", url: "data:image/png;base64,AA", detail: "low" },
            ],
          },
          {
            role: "assistant",
            content: [{ type: "text", text: "let me" }],
            toolCalls: [
              { id: "c1", name: "f", arguments: "{}" },
              { id: "c2", name: "f", arguments: '{"a":1}' },
            ],
          },
          { role: "tool", toolCallId: "c1", content: "one" },
          { role: "tool", toolCallId: "c2", content: [{ type: "text", text: "two" }] },
        ],
        tools: [{ name: "f", parameters: {}, strict: false }],
      },
    })
  })

  it("resolves item references from the injected store and puts the previous chain first", () => {
    const stored: ResponseItem = { type: "function_call", call_id: "c9", name: "f", arguments: "{}", id: "fc_9", status: "completed" }
    const request = call({
      input: [
        { type: "item_reference", id: "fc_9" },
        { type: "function_call_output", call_id: "c9", output: "ok" },
      ],
    })
    expect(referencedItemIds(request.input)).toEqual(["fc_9"])
    const outcome = buildResponsesConversation(request, {
      previousItems: [{ role: "user", content: "earlier" }],
      referenced: new Map([["fc_9", stored]]),
    })
    expect(outcome).toEqual({
      ok: true,
      value: {
        messages: [
          { role: "user", content: "earlier" },
          { role: "assistant", content: null, toolCalls: [{ id: "c9", name: "f", arguments: "{}" }] },
          { role: "tool", toolCallId: "c9", content: "ok" },
        ],
      },
    })
  })

  it("answers 404 naming the reference storage did not find", () => {
    const request = call({ input: [{ role: "user", content: "x" }, { id: "msg_gone" }] })
    expect(resolveItemReferences(request.input, new Map())).toEqual({
      ok: false,
      error: { _tag: "InvalidRequest", message: "Item with id 'msg_gone' not found.", param: "input[1].id", code: null, status: 404 },
    })
  })

  it("refuses what chat backends cannot carry, naming the part", () => {
    const imageById = buildResponsesConversation(call({ input: [{ role: "user", content: [{ type: "input_image", file_id: "file_1", detail: "auto" }] }] }))
    expect(imageById).toMatchObject({ ok: false, error: { param: "input[0].content[0].image_url" } })
    const imageInSystem = buildResponsesConversation(call({ input: [{ role: "system", content: [{ type: "input_image", image_url: "https://x", detail: "auto" }] }] }))
    expect(imageInSystem).toMatchObject({ ok: false, error: { param: "input[0].content[0].type" } })
  })
})
