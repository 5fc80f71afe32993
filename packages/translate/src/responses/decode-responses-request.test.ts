import { describe, expect, it } from "vitest"
import { decodeResponsesRequest } from "./decode-responses-request.ts"

const ok = (body: unknown) => {
  const outcome = decodeResponsesRequest(body)
  if (!outcome.ok) throw new Error(`refused: ${JSON.stringify(outcome.error)}`)
  return outcome.value
}
const refusal = (body: unknown) => {
  const outcome = decodeResponsesRequest(body)
  if (outcome.ok) throw new Error("accepted")
  return outcome.error
}

describe("decodeResponsesRequest", () => {
  it("reads a string input as one user message and maps the options", () => {
    const call = ok({
      model: "m",
      input: "hi",
      instructions: "be brief",
      temperature: 0.5,
      top_p: 0.9,
      max_output_tokens: 100,
      parallel_tool_calls: false,
      reasoning: { effort: "low", summary: "auto" },
      metadata: { a: "b" },
      user: "u1",
      safety_identifier: "s1",
      prompt_cache_key: "k",
      text: { format: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true }, verbosity: "low" },
      tools: [{ type: "function", name: "f", parameters: { type: "object" }, strict: true }],
      tool_choice: { type: "function", name: "f" },
      top_k: 3,
    })
    expect(call.input).toEqual([{ type: "message", role: "user", content: "hi" }])
    expect(call.instructions).toBe("be brief")
    expect(call.tools).toEqual([{ name: "f", parameters: { type: "object" }, strict: true }])
    expect(call.opts).toEqual({
      model: "m",
      temperature: 0.5,
      topP: 0.9,
      maxCompletionTokens: 100,
      parallelToolCalls: false,
      reasoningEffort: "low",
      metadata: { a: "b" },
      user: "u1",
      toolChoice: { type: "function", name: "f" },
      responseFormat: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true },
      passthrough: { safety_identifier: "s1", prompt_cache_key: "k", top_k: 3, verbosity: "low" },
    })
    expect(call.reasoningOutput).toBe("summary")
    expect(call.stream).toBe(false)
    expect(call.store).toBe(true)
    expect(call.echo.tools).toEqual([{ type: "function", name: "f", description: null, parameters: { type: "object" }, strict: true }])
    expect(call.echo.text).toEqual({ format: { type: "json_schema", name: "out", schema: { type: "object" }, strict: true }, verbosity: "low" })
  })

  it("keeps item references as references and previous_response_id beside them", () => {
    const call = ok({
      model: "m",
      previous_response_id: "resp_1",
      store: false,
      stream: true,
      input: [{ type: "item_reference", id: "msg_1" }, { id: "fc_2" }, { type: "function_call_output", call_id: "c", output: "42" }],
    })
    expect(call.input).toEqual([{ type: "item_reference", id: "msg_1" }, { id: "fc_2" }, { type: "function_call_output", call_id: "c", output: "42" }])
    expect(call.previousResponseId).toBe("resp_1")
    expect(call.store).toBe(false)
    expect(call.stream).toBe(true)
  })

  it.each([
    [{ model: "m", input: "x", tools: [{ type: "web_search" }] }, "tools[0].type"],
    [
      {
        model: "m",
        input: "x",
        tools: [
          { type: "function", name: "f" },
          { type: "mcp", server_label: "s" },
        ],
      },
      "tools[1].type",
    ],
    [{ model: "m", input: "x", tools: [{ type: "code_interpreter", container: { type: "auto" } }] }, "tools[0].type"],
    [{ model: "m", input: "x", background: true }, "background"],
    [{ model: "m", input: "x", conversation: "conv_1" }, "conversation"],
    [{ model: "m", input: "x", prompt: { id: "pmpt_1" } }, "prompt"],
    [{ model: "m", input: "x", truncation: "middle" }, "truncation"],
    [{ model: "m", input: "x", top_logprobs: 2 }, "top_logprobs"],
    [{ model: "m", input: "x", include: ["message.output_text.logprobs"] }, "include"],
    [{ model: "m", input: "x", stream_options: { include_obfuscation: true } }, "stream_options.include_obfuscation"],
    [{ model: "m", input: "x", tool_choice: { type: "web_search_preview" } }, "tool_choice.type"],
    [{ model: "m", input: "x", tool_choice: { type: "function", name: "nope" }, tools: [{ type: "function", name: "f" }] }, "tool_choice.name"],
    [{ model: "m", input: [{ type: "web_search_call", id: "ws", status: "completed" }] }, "input[0].type"],
    [{ model: "m", input: [{ role: "user", content: [{ type: "input_text" }] }] }, "input[0].content[0].text"],
    [
      {
        model: "m",
        input: [
          { role: "user", content: "x" },
          { type: "function_call", name: "f", arguments: "{}" },
        ],
      },
      "input[1].call_id",
    ],
    [{ model: "m", input: [{ role: "user", content: "x", extra: 1 }] }, "input[0].extra"],
    [{ model: "m", input: "x", temperature: 3 }, "temperature"],
    [{ input: "x" }, "model"],
  ])("refuses %j naming %s", (body, param) => {
    const error = refusal(body)
    expect(error._tag).toBe("InvalidRequest")
    expect(error).toMatchObject({ param })
  })

  it("accepts null for refused features, background false, and drops max_tool_calls", () => {
    const call = ok({ model: "m", input: "x", background: false, conversation: null, prompt: null, max_tool_calls: 3, truncation: "disabled", top_logprobs: 0 })
    expect(call.opts).toEqual({ model: "m" })
  })

  it("accepts truncation auto and disabled, carries it on the call and echoes it; absent or null is disabled", () => {
    for (const truncation of ["auto", "disabled"] as const) {
      const call = ok({ model: "m", input: "x", truncation })
      expect(call.truncation).toBe(truncation)
      expect(call.echo.truncation).toBe(truncation)
      // Not a generation option: no backend receives it.
      expect(call.opts).toEqual({ model: "m" })
    }
    for (const body of [
      { model: "m", input: "x" },
      { model: "m", input: "x", truncation: null },
    ]) {
      expect(ok(body).truncation).toBe("disabled")
      expect(ok(body).echo.truncation).toBe("disabled")
    }
  })

  it("reads an assistant history echoed back with output fields (id, status, annotations, phase)", () => {
    const call = ok({
      model: "m",
      input: [
        { id: "msg_1", type: "message", role: "assistant", status: "completed", phase: "final_answer", content: [{ type: "output_text", text: "hi", annotations: [], logprobs: [] }] },
        { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "t" }], encrypted_content: null },
        {
          role: "user",
          content: [
            { type: "input_text", text: "look" },
            { type: "input_image", image_url: "https://x/y.png", detail: "auto" },
          ],
        },
      ],
    })
    expect(call.input).toHaveLength(3)
  })

  it("refuses a body that is not an object", () => {
    expect(refusal([])).toMatchObject({ _tag: "InvalidRequest", message: expect.stringMatching(/JSON object/) })
  })
})
