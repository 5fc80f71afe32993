import type { OutputItemIn, ResponseEventIn, ResponseObjectIn } from "../wire/responses-in.ts"

/**
 * Folds Responses stream events into the Response they describe, as a client does:
 * the last lifecycle snapshot (`response.created` … `response.completed`) gives the
 * envelope; the output is rebuilt from the items themselves (the last `output_item.added`
 * or `.done` of each `output_index`; `texts` keeps what the deltas built, per item and
 * part, for a reader that needs an unfinished item's text),
 * never copied from the final snapshot (some upstreams send it with `output: []`).
 * Also the reader for an upstream that speaks Responses. Memory: the output itself.
 */
export interface ResponseFoldState {
  readonly response: ResponseObjectIn | undefined
  readonly items: ReadonlyMap<number, OutputItemIn>
  /** Text built from deltas per item and part, for items that never sent `done`. */
  readonly texts: ReadonlyMap<string, string>
  readonly sequence: number | undefined
  /** Sequence numbers that were not the previous one + 1 (they must count up from 0). */
  readonly outOfOrder: number
}

export const initialResponseFoldState: ResponseFoldState = { response: undefined, items: new Map(), texts: new Map(), sequence: undefined, outOfOrder: 0 }

export function foldResponseEvent(state: ResponseFoldState, event: ResponseEventIn): ResponseFoldState {
  let next = state
  if (event.sequence_number !== undefined) {
    const expected = state.sequence === undefined ? 0 : state.sequence + 1
    next = { ...next, sequence: event.sequence_number, outOfOrder: state.outOfOrder + (event.sequence_number === expected ? 0 : 1) }
  }
  if (event.response !== undefined) {
    // A new response (a recorded multi-step exchange holds several): its items start afresh.
    const fresh = event.type === "response.created" && state.response !== undefined && state.response.id !== event.response.id
    return fresh ? { ...next, response: event.response, items: new Map(), texts: new Map() } : { ...next, response: event.response }
  }
  const index = event.output_index
  if (index === undefined) return next
  switch (event.type) {
    case "response.output_item.added":
    case "response.output_item.done":
      return event.item === undefined ? next : { ...next, items: new Map(next.items).set(index, event.item) }
    case "response.output_text.delta":
    case "response.refusal.delta":
    case "response.reasoning_text.delta":
    case "response.reasoning_summary_text.delta":
    case "response.function_call_arguments.delta": {
      const key = `${index}:${event.type.replace(/\.delta$/, "")}:${event.content_index ?? event.summary_index ?? 0}`
      return { ...next, texts: new Map(next.texts).set(key, (next.texts.get(key) ?? "") + (event.delta ?? "")) }
    }
    default:
      return next
  }
}

/** The folded Response (undefined before any lifecycle event), its output rebuilt from the items. */
export function foldedResponse(state: ResponseFoldState): ResponseObjectIn | undefined {
  if (state.response === undefined) return undefined
  const output = [...state.items.entries()].sort((a, b) => a[0] - b[0]).map(([, item]) => item)
  return { ...state.response, output }
}

export function foldResponseEvents(events: Iterable<ResponseEventIn>): ResponseFoldState {
  let state = initialResponseFoldState
  for (const event of events) state = foldResponseEvent(state, event)
  return state
}
