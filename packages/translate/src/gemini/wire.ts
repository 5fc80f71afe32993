import { Schema } from "effect"

/**
 * Google Gemini API (generativelanguage v1beta) wire shapes: requests as plain types
 * (what the gateway writes), responses read with tolerant schemas (unknown keys kept,
 * parts narrowed one by one so a part kind the gateway does not know is kept).
 */

export type GeminiPart =
  | { readonly text: string; readonly thought?: boolean; readonly thoughtSignature?: string }
  | { readonly inlineData: { readonly mimeType: string; readonly data: string } }
  | { readonly functionCall: { readonly name: string; readonly args: Readonly<Record<string, unknown>>; readonly id?: string }; readonly thoughtSignature?: string }
  | { readonly functionResponse: { readonly name: string; readonly response: Readonly<Record<string, unknown>>; readonly id?: string } }

export interface GeminiContent {
  readonly role: "user" | "model"
  readonly parts: readonly GeminiPart[]
}

export interface GeminiFunctionDeclaration {
  readonly name: string
  readonly description?: string
  readonly parameters?: Readonly<Record<string, unknown>>
  readonly parametersJsonSchema?: Readonly<Record<string, unknown>>
}

export interface GeminiGenerationConfig {
  readonly temperature?: number
  readonly topP?: number
  readonly topK?: number
  readonly maxOutputTokens?: number
  readonly stopSequences?: readonly string[]
  readonly candidateCount?: number
  readonly seed?: number
  readonly presencePenalty?: number
  readonly frequencyPenalty?: number
  readonly responseMimeType?: string
  readonly responseSchema?: Readonly<Record<string, unknown>>
  readonly responseJsonSchema?: Readonly<Record<string, unknown>>
  readonly thinkingConfig?: { readonly thinkingBudget?: number; readonly includeThoughts?: boolean }
}

export interface GeminiGenerateRequest {
  readonly contents: readonly GeminiContent[]
  readonly systemInstruction?: { readonly parts: readonly { readonly text: string }[] }
  readonly tools?: readonly { readonly functionDeclarations: readonly GeminiFunctionDeclaration[] }[]
  readonly toolConfig?: { readonly functionCallingConfig: { readonly mode: "AUTO" | "ANY" | "NONE"; readonly allowedFunctionNames?: readonly string[] } }
  readonly generationConfig?: GeminiGenerationConfig
}

export interface GeminiEmbedContentRequest {
  readonly model: string
  readonly content: { readonly parts: readonly { readonly text: string }[] }
  readonly taskType?: "RETRIEVAL_DOCUMENT" | "RETRIEVAL_QUERY"
  readonly outputDimensionality?: number
}

const OptionalNullableString = Schema.optionalKey(Schema.NullOr(Schema.String))
const OptionalNullableNumber = Schema.optionalKey(Schema.NullOr(Schema.Number))
const Rest = [Schema.Record(Schema.String, Schema.Unknown)] as const
const AnyRecord = Schema.Record(Schema.String, Schema.Unknown)

/** Counts read as sent: the usage mapper decides what is one (token-count.ts), so a bad figure never fails the answer it came with. */
const UsageFigure = Schema.optionalKey(Schema.Unknown)

export const GeminiUsageMetadata = Schema.StructWithRest(
  Schema.Struct({
    promptTokenCount: UsageFigure,
    candidatesTokenCount: UsageFigure,
    totalTokenCount: UsageFigure,
    cachedContentTokenCount: UsageFigure,
    thoughtsTokenCount: UsageFigure,
    toolUsePromptTokenCount: UsageFigure,
  }),
  Rest,
)
export type GeminiUsageMetadata = typeof GeminiUsageMetadata.Type

export const GeminiCandidate = Schema.StructWithRest(
  Schema.Struct({
    content: Schema.optionalKey(Schema.NullOr(Schema.StructWithRest(Schema.Struct({ parts: Schema.optionalKey(Schema.NullOr(Schema.Array(AnyRecord))) }), Rest))),
    finishReason: OptionalNullableString,
    index: OptionalNullableNumber,
  }),
  Rest,
)
export type GeminiCandidate = typeof GeminiCandidate.Type

export const GeminiGenerateResponse = Schema.StructWithRest(
  Schema.Struct({
    candidates: Schema.optionalKey(Schema.NullOr(Schema.Array(GeminiCandidate))),
    promptFeedback: Schema.optionalKey(Schema.NullOr(Schema.StructWithRest(Schema.Struct({ blockReason: OptionalNullableString }), Rest))),
    usageMetadata: Schema.optionalKey(Schema.NullOr(GeminiUsageMetadata)),
    modelVersion: OptionalNullableString,
    responseId: OptionalNullableString,
  }),
  Rest,
)
export type GeminiGenerateResponse = typeof GeminiGenerateResponse.Type

export const TextPartIn = Schema.Struct({ text: Schema.String, thought: Schema.optionalKey(Schema.NullOr(Schema.Boolean)), thoughtSignature: OptionalNullableString })
export const PartialArg = Schema.StructWithRest(
  Schema.Struct({
    jsonPath: Schema.String,
    stringValue: Schema.optionalKey(Schema.String),
    numberValue: Schema.optionalKey(Schema.Number),
    boolValue: Schema.optionalKey(Schema.Boolean),
    willContinue: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
  }),
  Rest,
)
export type PartialArg = typeof PartialArg.Type
export const FunctionCallPartIn = Schema.Struct({
  functionCall: Schema.Struct({
    name: OptionalNullableString,
    args: Schema.optionalKey(Schema.NullOr(AnyRecord)),
    id: OptionalNullableString,
    /** Streamed arguments (streamFunctionCallArguments): a call opens with its name and `willContinue`, then fragments, then an empty `functionCall` closes it. */
    partialArgs: Schema.optionalKey(Schema.NullOr(Schema.Array(PartialArg))),
    willContinue: Schema.optionalKey(Schema.NullOr(Schema.Boolean)),
  }),
  thoughtSignature: OptionalNullableString,
})
export type FunctionCallPartIn = typeof FunctionCallPartIn.Type

/** Usage on an embedding answer: the Gemini API sends none today; Vertex documents `usageMetadata` on EmbedContentResponse. */
const EmbedUsage = Schema.optionalKey(Schema.NullOr(Schema.StructWithRest(Schema.Struct({ promptTokenCount: UsageFigure }), Rest)))
export const GeminiEmbedContentResponse = Schema.Struct({ embedding: Schema.Struct({ values: Schema.Array(Schema.Number) }), usageMetadata: EmbedUsage })
export const GeminiBatchEmbedResponse = Schema.Struct({ embeddings: Schema.Array(Schema.Struct({ values: Schema.Array(Schema.Number) })), usageMetadata: EmbedUsage })

/** An error Gemini writes into a stream (its error body, as a `data:` payload). */
export const GeminiStreamError = Schema.Struct({
  error: Schema.StructWithRest(Schema.Struct({ code: Schema.optionalKey(Schema.NullOr(Schema.Number)), message: OptionalNullableString, status: OptionalNullableString }), Rest),
})
