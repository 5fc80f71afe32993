/**
 * The model layer: the facade with the shape of Harper 5's `scope.models` (`generate`,
 * `generateStream`, `embed`, model listing), the registry, and the backends. It does IO
 * (HTTP to upstreams) but never imports Harper: rows go to a `CallSink`, limits come from
 * a `Limiter`, both supplied by the caller.
 */
export { DeploymentEntry, ModelEntry, ModelsConfig, RoutingConfig } from "./model-config.ts"
export type { AnsweredBatch, BackendContext, ChunkBatch, EmbeddingBackend, GenerativeBackend, UpstreamAnswered } from "./backend.ts"
export type { UpstreamHeaders } from "./backends/upstream-headers.ts"
export { advertisedAliases, createBackendRegistry } from "./backend-registry.ts"
export { contextWindowOf } from "./context-window.ts"
export type { BackendRegistry, ListedModel, ModelKind, ModelRoute, ModelRouting, RegistryEntry } from "./backend-registry.ts"
export { ATTEMPTS_HEADER, attemptsHeader, type AttemptReport } from "./routing/attempts-header.ts"
export type { RoutingClock } from "./routing/route-call.ts"
export { buildRegistry, type BuiltRegistry, type RegistryOptions } from "./build-registry.ts"
export { cooldownSlotCount, DEFAULT_COOLDOWN, type CooldownSlots } from "./routing/cooldown.ts"
export { createModelsService } from "./models-service.ts"
export type { AnsweredCall, AnswerHeaders, BilledTokens, CallMeta, CallSink, ModelsService, ModelsServiceOptions, OpenedChatStream } from "./models-service.ts"
export { CallFailure } from "./call/call-failure.ts"
export { firstModelOf, streamedChunks } from "./call/opened-stream.ts"
export { NO_ADMISSION } from "./admission.ts"
export type { Admission, Caller, Limiter } from "./admission.ts"
export { forwardedFields } from "./forwarding-policy.ts"
export { AttemptColumns, CallFacts, CallRecordBase, CostColumns, Harper5Columns, ModelCallRecord, NO_FACTS, fromJournalLine, isModelCallRecord } from "./accounting/model-call-record.ts"
export { harper5Columns } from "./accounting/harper5-columns.ts"
export { createEchoBackend } from "./backends/echo-backend.ts"
export { createOpenAIBackend, type OpenAIBackendOptions } from "./backends/openai-backend.ts"
export { apiKeyHeader, DEFAULT_RESPONSE_LIMITS, DEFAULT_TIMEOUTS, upstreamOptionsOf, type UpstreamOptions } from "./backends/upstream-options.ts"
export { createGeminiBackend, GEMINI_DEFAULT_API_VERSION, GEMINI_DEFAULT_BASE_URL, type GeminiBackendOptions } from "./backends/gemini-backend.ts"
export { createThoughtSignatureStore, DEFAULT_THOUGHT_SIGNATURE_BOUNDS, type ThoughtSignatureStore, type ThoughtSignatureStoreOptions } from "./backends/thought-signature-store.ts"
export { ANTHROPIC_DEFAULTS, createAnthropicBackend, type AnthropicBackendOptions } from "./backends/anthropic-backend.ts"
export { createThinkingBlockStore, DEFAULT_THINKING_STORE, type ThinkingBlockStore, type ThinkingBlockStoreOptions } from "./backends/thinking-block-store.ts"
export { createOllamaBackend, OLLAMA_DEFAULT_BASE_URL, type OllamaBackendOptions } from "./backends/ollama-backend.ts"
