import { decodeResponsesRequest, decodeStoredItem, isReference } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { specValidator } from "../../../translate/test/openapi-validator.ts"
import { toStoredInputItem } from "./stored-input-item.ts"

const validateItem = specValidator("ItemResource")

function decodedInput(input: unknown) {
  const decoded = decodeResponsesRequest({ model: "m", input })
  if (!decoded.ok) throw new Error(decoded.error._tag)
  return decoded.value.input
}

describe("an input item as stored and listed", () => {
  const input = decodedInput([
    { role: "user", content: "plain text" },
    { role: "developer", content: [{ type: "input_text", text: "be brief" }] },
    { type: "message", role: "assistant", content: "an earlier answer" },
    { type: "message", role: "assistant", id: "msg_client", content: [{ type: "output_text", text: "kept", annotations: [] }] },
    { type: "function_call", call_id: "call_1", name: "weather", arguments: "{}" },
    { type: "function_call_output", call_id: "call_1", output: "sunny" },
    { type: "reasoning", summary: [{ type: "summary_text", text: "thought" }] },
    { role: "user", content: [{ type: "input_image", image_url: "data:image/png;base64,AA==", detail: "low" }] },
  ])

  it("is a spec ItemResource with an id, and reads back as the item it was", () => {
    const stored = input.map((item, index) => {
      if (!isReference(item)) return toStoredInputItem(item, "resp_abc", index)
      throw new Error("no references here")
    })
    for (const item of stored) expect([item.id, validateItem(item)]).toEqual([item.id, []])
    expect(stored.map((item) => item.id)).toEqual(["msg_abc_in0", "msg_abc_in1", "msg_abc_in2", "msg_client", "fc_abc_in4", "fco_abc_in5", "rs_abc_in6", "msg_abc_in7"])
    expect(stored[0]).toEqual({ id: "msg_abc_in0", type: "message", role: "user", status: "completed", content: [{ type: "input_text", text: "plain text" }] })
    expect(stored[2]).toMatchObject({ role: "assistant", content: [{ type: "output_text", text: "an earlier answer", annotations: [] }] })
    for (const item of stored) expect(decodeStoredItem(JSON.parse(JSON.stringify(item)))).toMatchObject({ ok: true })
  })
})
