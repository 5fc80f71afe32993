/**
 * What the conformance suite needs to know about one backend to run every client
 * scenario against it. See conformance-suite.ts's header for the recipe.
 */
import type { ProtocolUpstream, UpstreamRequest } from "./conformance-upstream.ts"

/** A config entry for one model on the backend: `models.<kind>.<logical name>` (a ModelEntry). */
export type ModelEntryFor = (upstreamUrl: string, upstreamModel: string) => Readonly<Record<string, unknown>>

/** A turn of the conversation the upstream received, in neutral terms. */
export interface SentTurn {
  /** `tool` for a tool result, whatever the protocol's envelope (Anthropic: a user turn of tool_result blocks). */
  readonly role: "system" | "user" | "assistant" | "tool"
  /** The turn's text parts, joined with "\n" (a tool result's text for `tool`). */
  readonly text: string
  /** Names of the tool calls an assistant turn carries, in order. */
  readonly toolCalls: readonly string[]
}

export type SentImage = { readonly mediaType: string; readonly data: string } | { readonly url: string }

/**
 * The structured-output schema the upstream received. `name`/`strict` are the wire's
 * values (undefined when missing, which fails the scenario), or null when the protocol
 * has no such field.
 */
interface SentJsonSchema {
  readonly schema: unknown
  readonly name: unknown
  readonly strict: unknown
}

/** Read what one upstream request carried, for the scenarios that look at it. */
export interface ChatExtractors {
  /** Whether the request is a model call (counted for retries and accounting rows). */
  isModelCall(request: UpstreamRequest): boolean
  turnsSent(request: UpstreamRequest): readonly SentTurn[]
  imagesSent(request: UpstreamRequest): readonly SentImage[]
  /** undefined when the request asked for no JSON schema. */
  jsonSchemaSent(request: UpstreamRequest): SentJsonSchema | undefined
}

export interface EmbeddingExtractors {
  /** The inputs of an embeddings request (texts or token arrays), undefined when it is not one. */
  embeddingInputs(request: UpstreamRequest): readonly unknown[] | undefined
}

/** A backend's own embeddings. */
export interface EmbeddingBackend {
  readonly upstreamModel: string
  readonly entry: ModelEntryFor
  readonly extract: EmbeddingExtractors
  /** How many inputs the backend puts in one upstream request (it splits larger calls). */
  readonly maxInputsPerUpstreamRequest: number
}

type EmbeddingTarget =
  | ({ readonly on: "self" } & EmbeddingBackend)
  /** No embeddings API: the embedding scenarios run on the openai backend, and the table says so. */
  | { readonly on: "openai"; readonly reason: string }
  /** No embeddings API: the embedding scenarios are `cannot: reason`. */
  | { readonly on: "cannot"; readonly reason: string }

/** Texts and usage of the provider's recordings the upstream replays, read from the recording files. */
interface RecordedExpectations {
  /** The non-streamed recording's text. */
  readonly text: string
  /** The streamed recording's text (another generation). */
  readonly streamText: string
  /** The non-streamed recording's total tokens. */
  readonly totalTokens: number
  /** The streamed recording's usage. */
  readonly streamUsage: { readonly promptTokens: number; readonly completionTokens: number }
}

export interface ConformanceTarget {
  /** The backend's name: `openai`, `anthropic`, … (its table is docs/conformance-<name>.md; openai's docs/conformance.md). */
  readonly name: string
  /** One line on what the upstream replays, for the table's header. */
  readonly description: string
  /** Protocol upstreams served beside the built-in OpenAI-compatible one. */
  readonly protocols: readonly ProtocolUpstream[]
  /** The chat model's id, both the logical name clients use and the upstream model that picks the recording. */
  readonly chatModel: string
  readonly entry: ModelEntryFor
  readonly expected: RecordedExpectations
  readonly extract: ChatExtractors
  readonly embeddings: EmbeddingTarget
  /** Scenarios the provider truly cannot do, by test name `<client>: <scenario>`, with the reason. */
  readonly cannot: Readonly<Record<string, string>>
}
