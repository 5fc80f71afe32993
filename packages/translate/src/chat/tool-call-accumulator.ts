import type { StreamLimits } from "./stream-limits.ts"

/**
 * The one rule for joining streamed tool-call fragments, used by the stream decoder
 * (upstream chunks), the stream encoder (chunks to clients) and the collector (a
 * stream folded into one result), so the three cannot disagree:
 * - a call is identified by its `index`; without one, a new id (or a new name) starts
 *   a new call and anything else continues the last one;
 * - an empty id or name is no id or name; the first real one wins, later ones are ignored;
 * - a call starts (is announced, with position 0..n-1 in order of starting) once it has
 *   both a name and an id; arguments that arrive before are held (within the limits);
 * - at the finish, a call without an id gets `call_<position>` (a repair), and a call
 *   without a name is an error.
 */
export interface ToolCallFragment {
  readonly index?: number | undefined
  readonly id?: string | undefined
  readonly name?: string | undefined
  readonly arguments?: string | undefined
}

export type ToolCallEvent = { readonly type: "start"; readonly position: number; readonly id: string; readonly name: string } | { readonly type: "arguments"; readonly position: number; readonly text: string }

interface Slot {
  readonly sourceIndex: number
  readonly id: string | undefined
  readonly name: string | undefined
  /** Arguments received before the call could start. */
  readonly held: string
  readonly position: number | undefined
  readonly chars: number
}

export interface ToolCallAccumulator {
  readonly limits: StreamLimits
  readonly slots: readonly Slot[]
  readonly started: number
  readonly chars: number
}

export type ToolCallStep = { readonly ok: true; readonly accumulator: ToolCallAccumulator; readonly events: readonly ToolCallEvent[]; readonly standInIds: number } | { readonly ok: false; readonly detail: string }

export function initialToolCallAccumulator(limits: StreamLimits): ToolCallAccumulator {
  return { limits, slots: [], started: 0, chars: 0 }
}

export function addToolCallFragment(accumulator: ToolCallAccumulator, fragment: ToolCallFragment): ToolCallStep {
  const id = nonEmpty(fragment.id)
  const name = nonEmpty(fragment.name)
  const text = fragment.arguments ?? ""
  const sourceIndex = fragment.index ?? inferIndex(accumulator.slots, id, name)
  const at = accumulator.slots.findIndex((slot) => slot.sourceIndex === sourceIndex)
  const known = at === -1 ? undefined : accumulator.slots[at]
  const { limits } = accumulator
  if (known === undefined && accumulator.slots.length >= limits.maxToolCalls) return { ok: false, detail: `more than ${limits.maxToolCalls} tool calls` }
  const chars = (known?.chars ?? 0) + text.length
  if (chars > limits.maxArgumentCharsPerCall) return { ok: false, detail: "tool call arguments exceed the per-call limit" }
  if (accumulator.chars + text.length > limits.maxArgumentCharsPerStream) return { ok: false, detail: "tool call arguments exceed the per-stream limit" }
  let slot: Slot = {
    sourceIndex,
    id: known?.id ?? id,
    name: known?.name ?? name,
    held: known?.held ?? "",
    position: known?.position,
    chars,
  }
  let started = accumulator.started
  const events: ToolCallEvent[] = []
  if (slot.position !== undefined) {
    if (text !== "") events.push({ type: "arguments", position: slot.position, text })
  } else {
    slot = { ...slot, held: slot.held + text }
    if (slot.id !== undefined && slot.name !== undefined) {
      events.push(...startEvents(started, slot.id, slot.name, slot.held))
      slot = { ...slot, position: started, held: "" }
      started += 1
    }
  }
  const slots = known === undefined ? [...accumulator.slots, slot] : accumulator.slots.map((s, i) => (i === at ? slot : s))
  return { ok: true, accumulator: { ...accumulator, slots, started, chars: accumulator.chars + text.length }, events, standInIds: 0 }
}

/** At the finish: start every held call, with a stand-in id where none came. */
export function finishToolCalls(accumulator: ToolCallAccumulator): ToolCallStep {
  let started = accumulator.started
  let standInIds = 0
  const events: ToolCallEvent[] = []
  const slots: Slot[] = []
  for (const slot of accumulator.slots) {
    if (slot.position !== undefined) {
      slots.push(slot)
      continue
    }
    if (slot.name === undefined) return { ok: false, detail: "a tool call never received a function name" }
    const id = slot.id ?? `call_${started}`
    if (slot.id === undefined) standInIds += 1
    events.push(...startEvents(started, id, slot.name, slot.held))
    slots.push({ ...slot, id, position: started, held: "" })
    started += 1
  }
  return { ok: true, accumulator: { ...accumulator, slots, started }, events, standInIds }
}

/** Whether any call has started or is waiting to: a finish without a reason then means `tool_calls`. */
export function hasToolCalls(accumulator: ToolCallAccumulator): boolean {
  return accumulator.slots.length > 0
}

function startEvents(position: number, id: string, name: string, held: string): ToolCallEvent[] {
  const start: ToolCallEvent = { type: "start", position, id, name }
  return held === "" ? [start] : [start, { type: "arguments", position, text: held }]
}

function inferIndex(slots: readonly Slot[], id: string | undefined, name: string | undefined): number {
  const last = slots[slots.length - 1]
  if (last === undefined) return 0
  const next = Math.max(...slots.map((slot) => slot.sourceIndex)) + 1
  if (id !== undefined && last.id !== undefined && !slots.some((slot) => slot.id === id)) return next
  if (id === undefined && name !== undefined && last.name !== undefined && name !== last.name) return next
  return last.sourceIndex
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === "" ? undefined : text
}

/** The position a started call with this source index was given; undefined while it has not started. */
export function toolCallPosition(accumulator: ToolCallAccumulator, sourceIndex: number): number | undefined {
  return accumulator.slots.find((slot) => slot.sourceIndex === sourceIndex)?.position
}
