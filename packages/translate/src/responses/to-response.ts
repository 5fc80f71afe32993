import { serviceTierToOpenAI } from "../chat/map-service-tier.ts"
import type { GenerateResult } from "../model/types.ts"
import type { MessageContentOut, OutputItemOut, ResponseEcho, ResponseOut } from "../wire/responses-out.ts"
import { statusFromFinishReason } from "./map-response-status.ts"
import { usageToResponses } from "./map-responses-usage.ts"
import { outputItemId, type ResponseIdentity } from "./response-identity.ts"
import type { ResponsesCall } from "./responses-call.ts"

/**
 * A finished generation as the spec's Response object (the non-streamed answer, and
 * what the stream's last event carries). Output order is the order a stream sends:
 * reasoning, then the message (text part, then refusal part), then function calls.
 * A generation that said nothing and called nothing still gets an (empty) message.
 */
export function toResponse(
  result: GenerateResult,
  call: Pick<ResponsesCall, "echo" | "reasoningOutput">,
  identity: ResponseIdentity,
  completedAt: number,
): ResponseOut {
  const output: OutputItemOut[] = []
  const next = (kind: "msg" | "fc" | "rs") => outputItemId(identity.id, kind, output.length)
  if (result.reasoning !== undefined && result.reasoning !== "") {
    const text = result.reasoning
    output.push(
      call.reasoningOutput === "summary"
        ? { id: next("rs"), type: "reasoning", status: "completed", summary: [{ type: "summary_text", text }] }
        : { id: next("rs"), type: "reasoning", status: "completed", summary: [], content: [{ type: "reasoning_text", text }] },
    )
  }
  const content: MessageContentOut[] = []
  const annotations = (result.annotations ?? []).map((c) => ({ type: "url_citation" as const, url: c.url, title: c.title, start_index: c.startIndex, end_index: c.endIndex }))
  if ((result.content !== null && result.content !== "") || annotations.length > 0) content.push({ type: "output_text", text: result.content ?? "", annotations, logprobs: [] })
  if (result.refusal !== undefined && result.refusal !== "") content.push({ type: "refusal", refusal: result.refusal })
  const calls = result.toolCalls ?? []
  if (content.length > 0 || (output.length === 0 && calls.length === 0)) {
    const parts: readonly MessageContentOut[] = content.length > 0 ? content : [{ type: "output_text", text: "", annotations: [], logprobs: [] }]
    output.push({ id: next("msg"), type: "message", status: "completed", role: "assistant", content: parts })
  }
  for (const toolCall of calls) {
    output.push({ id: next("fc"), type: "function_call", status: "completed", call_id: toolCall.id, name: toolCall.name, arguments: toolCall.arguments })
  }
  return responseObject(call.echo, identity, {
    ...statusFromFinishReason(result.finishReason),
    completedAt,
    output,
    usage: result.usage === undefined ? null : usageToResponses(result.usage),
    serviceTier: result.serviceTier,
    error: null,
  })
}

export interface ResponseState {
  readonly status: ResponseOut["status"]
  readonly incomplete_details: ResponseOut["incomplete_details"]
  readonly completedAt: number | null
  readonly output: readonly OutputItemOut[]
  readonly usage: ResponseOut["usage"] | null
  readonly serviceTier: string | undefined
  readonly error: ResponseOut["error"]
}

/** The Response object in any state (the stream's created, in-progress and final snapshots share it). */
export function responseObject(echo: ResponseEcho, identity: ResponseIdentity, state: ResponseState): ResponseOut {
  const base: ResponseOut = {
    id: identity.id,
    object: "response",
    created_at: identity.createdAt,
    status: state.status,
    completed_at: state.status === "completed" ? state.completedAt : null,
    error: state.error,
    incomplete_details: state.incomplete_details,
    model: identity.model,
    output: state.output,
    ...echo,
    ...(state.usage === null || state.usage === undefined ? {} : { usage: state.usage }),
  }
  const tier = serviceTierToOpenAI(state.serviceTier)
  return tier === undefined ? base : { ...base, service_tier: tier }
}
