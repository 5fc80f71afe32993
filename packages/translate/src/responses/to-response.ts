import { serviceTierToOpenAI } from "../chat/map-service-tier.ts"
import { outputSequence, type OutputSegment } from "../model/output-sequence.ts"
import type { GenerateResult } from "../model/types.ts"
import type { MessageContentOut, OutputItemOut, ResponseEcho, ResponseOut } from "../wire/responses-out.ts"
import { statusFromFinishReason } from "./map-response-status.ts"
import { usageToResponses } from "./map-responses-usage.ts"
import { outputItemId, type ResponseIdentity } from "./response-identity.ts"
import type { ResponsesCall } from "./responses-call.ts"

/**
 * A finished generation as the spec's Response object (the non-streamed answer, and
 * what the stream's last event carries). Output order is the upstream's (outputSequence),
 * items cut as a stream cuts them: a run of reasoning is a reasoning item, a run of text
 * and refusal one message (a part per run), each tool call a function_call item; by
 * default reasoning, then the message (text part, then refusal part), then function calls.
 * Citations go on the first text part. A generation that said nothing and called nothing
 * still gets an (empty) message.
 */
export function toResponse(result: GenerateResult, call: Pick<ResponsesCall, "echo" | "reasoningOutput">, identity: ResponseIdentity, completedAt: number): ResponseOut {
  const annotations = (result.annotations ?? []).map((c) => ({ type: "url_citation" as const, url: c.url, title: c.title, start_index: c.startIndex, end_index: c.endIndex }))
  const output: OutputItemOut[] = []
  const next = (kind: "msg" | "fc" | "rs") => outputItemId(identity.id, kind, output.length)
  let message: { readonly id: string; readonly parts: MessageContentOut[] } | undefined
  let cited = false
  const closeMessage = () => {
    if (message !== undefined) output.push({ id: message.id, type: "message", status: "completed", role: "assistant", content: message.parts })
    message = undefined
  }
  const part = (piece: MessageContentOut) => {
    message ??= { id: next("msg"), parts: [] }
    message.parts.push(piece)
  }
  for (const segment of withCitedText(outputSequence(result), annotations.length > 0)) {
    switch (segment.kind) {
      case "reasoning": {
        closeMessage()
        const text = segment.text
        output.push(
          call.reasoningOutput === "summary"
            ? { id: next("rs"), type: "reasoning", status: "completed", summary: [{ type: "summary_text", text }] }
            : { id: next("rs"), type: "reasoning", status: "completed", summary: [], content: [{ type: "reasoning_text", text }] },
        )
        break
      }
      case "content":
        part({ type: "output_text", text: segment.text, annotations: cited ? [] : annotations, logprobs: [] })
        cited = true
        break
      case "refusal":
        part({ type: "refusal", refusal: segment.text })
        break
      case "toolCall":
        closeMessage()
        output.push({ id: next("fc"), type: "function_call", status: "completed", call_id: segment.call.id, name: segment.call.name, arguments: segment.call.arguments })
        break
      default: {
        const unreachable: never = segment
        return unreachable
      }
    }
  }
  closeMessage()
  if (output.length === 0) output.push({ id: next("msg"), type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text: "", annotations: [], logprobs: [] }] })
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

/** Citations need a text part to sit on: without text, an empty one where the text would be (after the reasoning that leads). */
function withCitedText(segments: readonly OutputSegment[], cited: boolean): readonly OutputSegment[] {
  if (!cited || segments.some((segment) => segment.kind === "content")) return segments
  const at = segments.findIndex((segment) => segment.kind !== "reasoning")
  const place = at === -1 ? segments.length : at
  return [...segments.slice(0, place), { kind: "content", text: "" }, ...segments.slice(place)]
}
