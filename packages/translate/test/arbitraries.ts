import fc from "fast-check"
import type * as Model from "../src/model/types.ts"
import type { ChatCall } from "../src/chat/chat-call.ts"

/** Generators for the internal model types, restricted to what the wire can carry losslessly. */

const text = fc.string({ maxLength: 40, unit: "grapheme" })
const nonEmptyText = fc.string({ minLength: 1, maxLength: 40, unit: "grapheme" })
const identifier = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_-]{0,20}$/)
const count = fc.nat({ max: 1_000_000 })

const textPart: fc.Arbitrary<Model.TextPart> = fc.record({ type: fc.constant("text" as const), text })

const imagePart: fc.Arbitrary<Model.ImagePart> = fc.oneof(
  fc.record({ type: fc.constant("image" as const), url: fc.webUrl() }),
  fc.record({ type: fc.constant("image" as const), url: fc.webUrl(), detail: fc.constantFrom("auto" as const, "low" as const, "high" as const) }),
)
const audioPart: fc.Arbitrary<Model.AudioPart> = fc.record({
  type: fc.constant("audio" as const),
  data: fc.base64String({ maxLength: 40 }),
  format: fc.constantFrom("wav" as const, "mp3" as const),
})
const filePart: fc.Arbitrary<Model.FilePart> = fc.record({ type: fc.constant("file" as const), filename: text, fileData: fc.base64String({ maxLength: 40 }), fileId: identifier }, { requiredKeys: ["type"] })
const userPart: fc.Arbitrary<Model.UserContentPart> = fc.oneof(textPart, imagePart, audioPart, filePart)

const jsonArguments: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify({ value })),
  fc.dictionary(identifier, fc.oneof(fc.string(), fc.integer(), fc.boolean())).map((o) => JSON.stringify(o)),
  fc.constant("{}"),
)

export const toolCall: fc.Arbitrary<Model.ToolCall> = fc.record({ id: identifier, name: identifier, arguments: jsonArguments })

const message: fc.Arbitrary<Model.Message> = fc.oneof(
  fc.record({ role: fc.constantFrom("system" as const, "developer" as const), content: fc.oneof(text, fc.array(textPart, { minLength: 1, maxLength: 3 })), name: identifier }, { requiredKeys: ["role", "content"] }),
  fc.record({ role: fc.constant("user" as const), content: fc.oneof(text, fc.array(userPart, { minLength: 1, maxLength: 3 })), name: identifier }, { requiredKeys: ["role", "content"] }),
  fc.record(
    {
      role: fc.constant("assistant" as const),
      content: fc.oneof(fc.constant(null), text, fc.array(fc.oneof(textPart, fc.record({ type: fc.constant("refusal" as const), refusal: text })), { minLength: 1, maxLength: 3 })),
      name: identifier,
      refusal: fc.option(text, { nil: null }),
      toolCalls: fc.array(toolCall, { maxLength: 3 }),
    },
    { requiredKeys: ["role", "content"] },
  ),
  fc.record({ role: fc.constant("tool" as const), content: fc.oneof(text, fc.array(textPart, { minLength: 1, maxLength: 2 })), toolCallId: identifier, name: identifier }, { requiredKeys: ["role", "content", "toolCallId"] }),
)

/** JSON values as they survive the wire: fc.jsonValue may give -0, which JSON text turns into 0 (this made the round-trip property fail about 1 run in 12). */
const wireJsonValue = (maxDepth: number) => fc.jsonValue({ maxDepth }).map((value): unknown => JSON.parse(JSON.stringify(value)))
const jsonObject = fc.dictionary(identifier, wireJsonValue(2), { maxKeys: 4 })

const toolDef: fc.Arbitrary<Model.ToolDef> = fc.record({ name: identifier, description: text, parameters: jsonObject, strict: fc.option(fc.boolean(), { nil: null }) }, { requiredKeys: ["name"] })

const responseFormat: fc.Arbitrary<Model.ResponseFormat> = fc.oneof(
  fc.constant({ type: "text" as const }),
  fc.constant({ type: "json_object" as const }),
  fc.record({ type: fc.constant("json_schema" as const), name: identifier, description: text, schema: jsonObject, strict: fc.option(fc.boolean(), { nil: null }) }, { requiredKeys: ["type", "name"] }),
)

/** JSON has no -0, so generated numbers avoid it. */
const double = (min: number, max: number) => fc.double({ min, max, noNaN: true }).map((x) => x + 0)
const probability = (max: number) => double(0, max)

/** A ChatCall that is valid on the wire: tool_choice names an existing tool, etc. */
export const chatCall: fc.Arbitrary<ChatCall> = fc
  .record({
    messages: fc.array(message, { minLength: 1, maxLength: 5 }),
    tools: fc.option(fc.uniqueArray(toolDef, { minLength: 1, maxLength: 3, selector: (t) => t.name }), { nil: undefined }),
    model: nonEmptyText,
    stream: fc.boolean(),
    includeUsage: fc.boolean(),
    opts: fc.record(
      {
        temperature: probability(2),
        topP: probability(1),
        maxTokens: fc.integer({ min: 1, max: 100_000 }),
        maxCompletionTokens: fc.integer({ min: 1, max: 100_000 }),
        stop: fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 4 })),
        seed: fc.integer(),
        presencePenalty: double(-2, 2),
        frequencyPenalty: double(-2, 2),
        user: text,
        metadata: fc.dictionary(identifier, text, { maxKeys: 3 }),
        reasoningEffort: fc.constantFrom("none" as const, "minimal" as const, "low" as const, "medium" as const, "high" as const, "xhigh" as const, "max" as const),
        n: fc.integer({ min: 1, max: 8 }),
        logprobs: fc.boolean(),
        topLogprobs: fc.integer({ min: 0, max: 20 }),
        parallelToolCalls: fc.boolean(),
        responseFormat,
        passthrough: fc.record({ service_tier: fc.constantFrom("auto", "default"), store: fc.boolean(), top_k: fc.integer({ min: 1, max: 100 }) }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    ),
    toolChoiceKind: fc.constantFrom("absent", "auto", "none", "required", "named"),
  })
  .map(({ messages, tools, model, stream, includeUsage, opts, toolChoiceKind }): ChatCall => {
    const input: Model.GenerateInput = tools === undefined ? { messages } : { messages, tools }
    let toolChoice: Model.ToolChoice | undefined
    if (toolChoiceKind === "auto" || toolChoiceKind === "none") toolChoice = toolChoiceKind
    if (tools !== undefined && toolChoiceKind === "required") toolChoice = "required"
    if (tools !== undefined && toolChoiceKind === "named" && tools[0] !== undefined) toolChoice = { type: "function", name: tools[0].name }
    const { passthrough, ...rest } = opts
    const withPassthrough = passthrough !== undefined && Object.keys(passthrough).length > 0 ? { ...rest, passthrough } : rest
    const withChoice = toolChoice === undefined ? withPassthrough : { ...withPassthrough, toolChoice }
    return { input, opts: { ...withChoice, model }, stream, includeUsage: stream && includeUsage }
  })

/** Usage as the wire can carry it: every official count and detail (internal-only counters are not generated). */
export const usage: fc.Arbitrary<Model.TokenUsage> = fc.record(
  {
    promptTokens: count,
    completionTokens: count,
    totalTokens: count,
    cachedTokens: count,
    cacheWriteTokens: count,
    promptTextTokens: count,
    promptAudioTokens: count,
    promptImageTokens: count,
    reasoningTokens: count,
    completionTextTokens: count,
    completionAudioTokens: count,
    acceptedPredictionTokens: count,
    rejectedPredictionTokens: count,
  },
  { requiredKeys: ["promptTokens", "completionTokens", "totalTokens"] },
)

const knownFinish = fc.constantFrom("stop" as const, "length" as const, "tool_calls" as const, "content_filter" as const)

const tokenBytes = fc.option(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 4 }), { nil: null })
const logprob = double(-9999, 0)
const tokenLogprob: fc.Arbitrary<Model.TokenLogprob> = fc.record({
  token: text,
  logprob,
  bytes: tokenBytes,
  topLogprobs: fc.array(fc.record({ token: text, logprob, bytes: tokenBytes }), { maxLength: 3 }),
})
const logprobs: fc.Arbitrary<Model.Logprobs> = fc.record({
  content: fc.option(fc.array(tokenLogprob, { maxLength: 4 }), { nil: null }),
  refusal: fc.option(fc.array(tokenLogprob, { maxLength: 2 }), { nil: null }),
})

const citation: fc.Arbitrary<Model.UrlCitation> = fc.record({
  type: fc.constant("url_citation" as const),
  url: fc.webUrl(),
  title: text,
  startIndex: fc.nat({ max: 500 }),
  endIndex: fc.nat({ max: 500 }),
})

/**
 * One choice as an upstream would report it. rawFinishReason is what the wire says:
 * OpenAI's values, provider aliases, or unknown values (normalised to `other`).
 * Content is null only beside tool calls or a refusal, as OpenAI sends it.
 */
const generateChoice: fc.Arbitrary<Model.GenerateChoiceResult> = fc
  .record({
    content: text,
    nullContent: fc.boolean(),
    toolCalls: fc.uniqueArray(toolCall, { maxLength: 4, selector: (c) => c.id }),
    finish: fc.oneof(knownFinish, fc.constantFrom("end_turn", "max_tokens", "tool_use", "pause_turn", "refusal_xyz", "max_output_x")),
    refusal: fc.option(nonEmptyText, { nil: undefined }),
    reasoning: fc.option(nonEmptyText, { nil: undefined }),
    logprobs: fc.option(logprobs, { nil: undefined }),
    annotations: fc.option(fc.array(citation, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  })
  .map(({ content, nullContent, toolCalls, finish, refusal, reasoning, logprobs, annotations }) => {
    const aliases: Record<string, Model.FinishReason> = { stop: "stop", length: "length", tool_calls: "tool_calls", content_filter: "content_filter", end_turn: "stop", max_tokens: "length", tool_use: "tool_calls" }
    const silent = content === "" && (toolCalls.length > 0 || refusal !== undefined)
    let result: Model.GenerateChoiceResult = {
      content: silent || (nullContent && (toolCalls.length > 0 || refusal !== undefined) && content === "") ? null : content,
      finishReason: aliases[finish] ?? "other",
      rawFinishReason: finish,
    }
    if (toolCalls.length > 0) result = { ...result, toolCalls }
    if (refusal !== undefined) result = { ...result, refusal }
    if (reasoning !== undefined) result = { ...result, reasoning }
    if (logprobs !== undefined) result = { ...result, logprobs }
    if (annotations !== undefined) result = { ...result, annotations }
    return result
  })

/** A GenerateResult as an upstream would report it: sometimes several choices (n > 1). */
export const generateResult: fc.Arbitrary<Model.GenerateResult> = fc
  .record({
    first: generateChoice,
    more: fc.array(generateChoice, { maxLength: 2 }),
    usage: fc.option(usage, { nil: undefined }),
    systemFingerprint: fc.option(identifier, { nil: undefined }),
    serviceTier: fc.option(fc.constantFrom("default", "flex", "priority"), { nil: undefined }),
  })
  .map(({ first, more, usage, systemFingerprint, serviceTier }) => {
    let result: Model.GenerateResult = first
    if (more.length > 0) result = { ...result, additionalChoices: more.map((choice, i) => ({ index: i + 1, ...choice })) }
    if (usage !== undefined) result = { ...result, usage }
    if (systemFingerprint !== undefined) result = { ...result, systemFingerprint }
    if (serviceTier !== undefined) result = { ...result, serviceTier }
    return result
  })

/**
 * What a result looks like after a trip over the wire: clients are sent the spec's
 * finish reasons (an unknown one as `stop`), so that is the raw value read back; the
 * usage read back carries its raw wire object, which `withoutRawUsage` strips.
 */
function afterWire<T extends Model.GenerateChoiceResult>(choice: T): T {
  const spec: Record<Model.FinishReason, "stop" | "length" | "tool_calls" | "content_filter"> = {
    stop: "stop",
    length: "length",
    tool_calls: "tool_calls",
    content_filter: "content_filter",
    other: "stop",
  }
  const sent = spec[choice.finishReason]
  return { ...choice, finishReason: sent, rawFinishReason: sent }
}

export function resultAfterWire(result: Model.GenerateResult): Model.GenerateResult {
  const out = afterWire(result)
  return result.additionalChoices === undefined ? out : { ...out, additionalChoices: result.additionalChoices.map(afterWire) }
}

export function withoutRawUsage<T extends { readonly usage?: Model.TokenUsage }>(value: T): T {
  if (value.usage === undefined) return value
  const { raw: _raw, ...usage } = value.usage
  return { ...value, usage }
}

/** Cuts a string into 1..n consecutive pieces at arbitrary points. */
export function splits(textValue: string): fc.Arbitrary<string[]> {
  return fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, textValue.length - 1) }), { maxLength: 6 }).map((cuts) => {
    const points = [0, ...cuts.filter((c) => c < textValue.length).sort((a, b) => a - b), textValue.length]
    const pieces: string[] = []
    for (let i = 0; i + 1 < points.length; i++) pieces.push(textValue.slice(points[i], points[i + 1]))
    return pieces.filter((piece) => piece !== "")
  })
}
