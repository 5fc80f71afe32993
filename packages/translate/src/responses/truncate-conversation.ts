import { fail, succeed, type Outcome } from "../outcome.ts"
import type { ResponseItem } from "../wire/responses-request.ts"

/** What `truncation: "auto"` shortens: the conversation's items and how to count them. */
export interface TruncationRequest {
  /** The conversation, oldest first: the previous chain's items, then the input with references resolved. */
  readonly items: readonly ResponseItem[]
  /** Tokens always sent besides the items (instructions, tool definitions): never dropped. */
  readonly fixedTokens: number
  /** The estimated tokens of one item as sent upstream (injected: translate has no tokenizer). */
  readonly count: (item: ResponseItem) => number
}

export interface TruncationBudget {
  /** The model's context window, in tokens (its configured `contextWindow`). */
  readonly contextWindow: number
  /** Tokens kept free for the answer: `max_output_tokens`, else a default. */
  readonly reservedOutput: number
}

/**
 * `truncation: "auto"` as OpenAI documents it: when the input is over the model's
 * context window, items are dropped from the beginning of the conversation. Whole
 * turns go, oldest first: the conversation kept starts at a user message (Anthropic
 * and Gemini want a user turn first), system and developer messages stay wherever
 * they are, a cut never parts a function_call from its function_call_output
 * (providers refuse a tool result without its call), and reasoning items stay with
 * the item they precede. The newest user message and all after it are always kept;
 * when even they do not fit, the answer is the 400 `disabled` would get.
 */
export function truncateConversation(request: TruncationRequest, budget: TruncationBudget): Outcome<readonly ResponseItem[]> {
  const { items } = request
  const available = budget.contextWindow - budget.reservedOutput - request.fixedTokens
  const costs = items.map((item) => sentTokens(item, request.count))
  const pinned = items.map(isPinned)
  const pinnedTokens = costs.reduce((sum, cost, i) => (pinned[i] === true ? sum + cost : sum), 0)
  const droppable = droppableSuffixSums(costs, pinned)
  const blocked = pairSpans(items)
  const lastUser = items.findLastIndex(isUserMessage)
  for (let cut = 0; cut <= Math.max(lastUser, 0); cut++) {
    if (cut > 0 && !isCutPoint(items, cut, blocked)) continue
    if (pinnedTokens + (droppable[cut] ?? 0) <= available) return succeed(cut === 0 ? items : items.filter((_, i) => i >= cut || pinned[i] === true))
  }
  return fail({
    _tag: "ContextLengthExceeded",
    message: `The input exceeds this model's context window of ${budget.contextWindow} tokens (${budget.reservedOutput} of them kept for the output) even with truncation "auto", which keeps the newest user message and what follows it: send a shorter input or a smaller max_output_tokens.`,
    param: "input",
  })
}

/** Reasoning items are not sent upstream (build-conversation drops them): they cost nothing. */
function sentTokens(item: ResponseItem, count: TruncationRequest["count"]): number {
  return item.type === "reasoning" ? 0 : Math.max(0, count(item))
}

function isPinned(item: ResponseItem): boolean {
  return (item.type === undefined || item.type === "message") && (item.role === "system" || item.role === "developer")
}

function isUserMessage(item: ResponseItem): boolean {
  return (item.type === undefined || item.type === "message") && item.role === "user"
}

/** A cut before `cut` starts at a user message, leaves no reasoning without its item, and parts no call from its output. */
function isCutPoint(items: readonly ResponseItem[], cut: number, blocked: readonly boolean[]): boolean {
  const first = items[cut]
  return first !== undefined && isUserMessage(first) && items[cut - 1]?.type !== "reasoning" && blocked[cut] !== true
}

/** For each index, the tokens of the items from it on that are not pinned: what a cut there keeps besides the pinned ones. */
function droppableSuffixSums(costs: readonly number[], pinned: readonly boolean[]): number[] {
  const sums = new Array<number>(costs.length + 1).fill(0)
  for (let i = costs.length - 1; i >= 0; i--) sums[i] = (sums[i + 1] ?? 0) + (pinned[i] === true ? 0 : (costs[i] ?? 0))
  return sums
}

/** True at each cut that would part the items sharing a call_id (a call and its output). */
function pairSpans(items: readonly ResponseItem[]): boolean[] {
  const spans = new Map<string, { first: number; last: number }>()
  for (const [i, item] of items.entries()) {
    if (item.type !== "function_call" && item.type !== "function_call_output") continue
    const span = spans.get(item.call_id)
    if (span === undefined) spans.set(item.call_id, { first: i, last: i })
    else span.last = i
  }
  // Cuts in (first, last] part a span: marked with a running count, linear in the items.
  const depth = new Array<number>(items.length + 2).fill(0)
  for (const { first, last } of spans.values()) {
    depth[first + 1] = (depth[first + 1] ?? 0) + 1
    depth[last + 1] = (depth[last + 1] ?? 0) - 1
  }
  const blocked: boolean[] = []
  let open = 0
  for (let cut = 0; cut <= items.length; cut++) {
    open += depth[cut] ?? 0
    blocked.push(open > 0)
  }
  return blocked
}
