import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { decodeChatRequest } from "../chat/decode-chat-request.ts"
import { decodeEmbeddingsRequest } from "../embeddings/decode-embeddings-request.ts"
import type { Outcome } from "../outcome.ts"
import { decodeResponsesRequest } from "../responses/decode-responses-request.ts"
import { formatParamPath } from "./schema-issue-to-error.ts"

/**
 * The attack findings' fuzz, as a law: one leaf of a valid request replaced by a value
 * of a type no typed field takes there gives a 400 whose `param` is exactly that leaf's
 * path, never its parent, a child or nothing.
 */
type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json }

const chat: Json = {
  model: "gpt-4.1",
  messages: [
    { role: "system", content: "Be brief.", name: "sys" },
    { role: "developer", content: [{ type: "text", text: "Use French." }] },
    {
      role: "user",
      content: [
        { type: "text", text: "Look", cache_control: { type: "ephemeral", ttl: "5m" } },
        { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "low" } },
        { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } },
        { type: "file", file: { filename: "a.pdf", file_data: "data:application/pdf;base64,AAAA" } },
      ],
      name: "me",
    },
    {
      role: "assistant",
      content: [
        { type: "text", text: "ok" },
        { type: "refusal", refusal: "no" },
      ],
      tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }],
      refusal: null,
    },
    { role: "tool", tool_call_id: "call_1", content: "done" },
    { role: "assistant", content: null, function_call: { name: "f", arguments: "{}" } },
    { role: "function", name: "f", content: "done" },
    { role: "user", content: "again" },
  ],
  stream: true,
  stream_options: { include_usage: true },
  temperature: 0.5,
  top_p: 0.9,
  n: 1,
  stop: ["a", "b"],
  max_completion_tokens: 100,
  presence_penalty: 0.1,
  frequency_penalty: 0.1,
  seed: 7,
  logprobs: true,
  top_logprobs: 2,
  user: "u",
  metadata: { k: "v" },
  tools: [{ type: "function", function: { name: "f", description: "d", parameters: { type: "object", properties: { n: { type: "integer" } } }, strict: true } }],
  tool_choice: { type: "function", function: { name: "f" } },
  parallel_tool_calls: true,
  response_format: { type: "json_schema", json_schema: { name: "s", description: "d", schema: { type: "object" }, strict: true } },
  reasoning_effort: "low",
}

const responses: Json = {
  model: "gpt-4.1",
  input: [
    {
      type: "message",
      role: "user",
      content: [
        { type: "input_text", text: "hi" },
        { type: "input_image", image_url: "https://example.com/a.png", detail: "low" },
        { type: "input_file", file_id: "file_1", filename: "a.pdf" },
      ],
    },
    { role: "assistant", content: [{ type: "output_text", text: "ok", annotations: [] }] },
    { type: "function_call", call_id: "call_1", name: "f", arguments: "{}", id: "fc_1", status: "completed" },
    { type: "function_call_output", call_id: "call_1", output: "done" },
    { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "thought" }] },
    { type: "item_reference", id: "msg_1" },
  ],
  instructions: "Be brief.",
  store: false,
  stream: false,
  tools: [{ type: "function", name: "f", description: "d", parameters: { type: "object" }, strict: true }],
  tool_choice: { type: "function", name: "f" },
  parallel_tool_calls: true,
  text: { format: { type: "json_schema", name: "s", schema: { type: "object" }, strict: true }, verbosity: "low" },
  max_output_tokens: 100,
  reasoning: { effort: "low", summary: "auto" },
  temperature: 0.5,
  top_p: 0.9,
  metadata: { k: "v" },
  user: "u",
  include: ["reasoning.encrypted_content"],
}

const embeddings: readonly Json[] = [
  { model: "e", input: "hi", encoding_format: "float", dimensions: 8, user: "u" },
  // Three items, not two: in [12345, "b"] either item may be the wrong one, and the first names the array's kind.
  { model: "e", input: ["a", "b", "c"] },
  { model: "e", input: [1, 2, 3] },
  { model: "e", input: [[1, 2], [3]] },
]

/** Free-form JSON the gateway never interprets: any value is valid inside. */
const freeForm = [/\.parameters$/, /\.schema$/, /^tool_choice\.tools\[\d+\]$/, /\.annotations$/]

type Path = readonly (string | number)[]

function leaves(value: Json, path: Path = []): Path[] {
  if (path.length > 0 && freeForm.some((pattern) => pattern.test(formatParamPath(path) ?? ""))) return []
  if (Array.isArray(value)) return value.flatMap((item, index) => leaves(item, [...path, index]))
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([key, item]) => leaves(item, [...path, key]))
  return [path]
}

function replaced(value: Json, path: Path, by: Json): Json {
  const [head, ...rest] = path
  if (head === undefined) return by
  if (Array.isArray(value)) return value.map((item, index) => (index === head ? replaced(item, rest, by) : item))
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, key === head ? replaced(item, rest, by) : item]))
  return value
}

/** Values of a type the leaf's field cannot take: a string's field takes no number, a number's no string; none takes an object. */
function wrongFor(leaf: Json): readonly Json[] {
  const common: Json[] = [{ x: 1 }]
  if (typeof leaf === "string") return [...common, 12345, true]
  if (typeof leaf === "number") return [...common, "12", false]
  if (typeof leaf === "boolean") return [...common, "true", 1]
  return common
}

function at(value: Json, path: Path): Json {
  let current: Json = value
  for (const key of path) current = Reflect.get(Object(current), key)
  return current
}

function paramOf(outcome: Outcome<unknown>): string | null {
  if (outcome.ok) return "(accepted)"
  return outcome.error._tag === "InvalidRequest" ? (outcome.error.param ?? null) : `(${outcome.error._tag})`
}

/** Every leaf, every wrong value: the mutations whose 400 does not name the leaf. */
function misnamed(decode: (body: unknown) => Outcome<unknown>, valid: Json): readonly string[] {
  const wrong: string[] = []
  for (const path of leaves(valid)) {
    for (const by of wrongFor(at(valid, path))) {
      const param = paramOf(decode(replaced(valid, path, by)))
      if (param !== formatParamPath(path)) wrong.push(`${formatParamPath(path)} = ${JSON.stringify(by)} -> ${param}`)
    }
  }
  return wrong
}

function removed(value: Json, path: Path): Json {
  const [head, ...rest] = path
  if (Array.isArray(value)) return value.map((item, index) => (index === head ? removed(item, rest) : item))
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).flatMap(([key, item]): [string, Json][] => (key !== head ? [[key, item]] : rest.length === 0 ? [] : [[key, removed(item, rest)]])))
  }
  return value
}

/** Every object (outside free-form JSON) of the request, by path. */
function objects(value: Json, path: Path = []): Path[] {
  if (path.length > 0 && freeForm.some((pattern) => pattern.test(formatParamPath(path) ?? ""))) return []
  if (Array.isArray(value)) return value.flatMap((item, index) => objects(item, [...path, index]))
  if (typeof value === "object" && value !== null) return [path, ...Object.entries(value).flatMap(([key, item]) => objects(item, [...path, key]))]
  return []
}

/** Keys removed (where that is a refusal, it names the key) and unknown keys added (always a refusal naming the new key). */
function misnamedKeys(decode: (body: unknown) => Outcome<unknown>, valid: Json): readonly string[] {
  const wrong: string[] = []
  for (const path of leaves(valid).filter((leaf) => typeof leaf.at(-1) === "string")) {
    const param = paramOf(decode(removed(valid, path)))
    if (param !== "(accepted)" && param !== formatParamPath(path)) wrong.push(`without ${formatParamPath(path)} -> ${param}`)
  }
  for (const path of objects(valid)) {
    const extra = [...path, "x_unknown"]
    const param = paramOf(decode(replaced(valid, path, { ...Object(at(valid, path)), x_unknown: 1 })))
    // An unknown top-level field is a provider extension, refused later by the model's forwarding policy.
    if (path.length > 0 && param !== formatParamPath(extra)) wrong.push(`with ${formatParamPath(extra)} -> ${param}`)
  }
  return wrong
}

/** Random wrong values of any shape at a random leaf. */
function wrongValue(leaf: Json): fc.Arbitrary<Json> {
  const object = fc.dictionary(fc.string({ minLength: 1 }), fc.jsonValue(), { minKeys: 1 }).map((value): Json => JSON.parse(JSON.stringify(value)))
  if (typeof leaf === "string") return fc.oneof(object, fc.integer(), fc.boolean())
  if (typeof leaf === "number") return fc.oneof(object, fc.string(), fc.boolean())
  if (typeof leaf === "boolean") return fc.oneof(object, fc.string(), fc.integer())
  return object
}

function expectExactParam(decode: (body: unknown) => Outcome<unknown>, valid: Json): void {
  expect(paramOf(decode(valid))).toBe("(accepted)")
  expect(misnamed(decode, valid)).toEqual([])
  expect(misnamedKeys(decode, valid)).toEqual([])
  const mutation = fc.constantFrom(...leaves(valid)).chain((path) => wrongValue(at(valid, path)).map((by) => ({ path, by })))
  fc.assert(
    fc.property(mutation, ({ path, by }) => {
      expect([formatParamPath(path), paramOf(decode(replaced(valid, path, by)))]).toEqual([formatParamPath(path), formatParamPath(path)])
    }),
    { numRuns: 300 },
  )
}

describe("a 400 names exactly the field that was mutated (property)", () => {
  it("chat completions", () => expectExactParam(decodeChatRequest, chat))
  it("responses", () => expectExactParam(decodeResponsesRequest, responses))
  for (const [index, body] of embeddings.entries()) it(`embeddings ${index}`, () => expectExactParam(decodeEmbeddingsRequest, body))
})
