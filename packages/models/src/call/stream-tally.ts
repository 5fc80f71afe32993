import type { GenerateChunk, TokenUsage } from "@harper-gateway/translate"
import type { CallFacts } from "../accounting/model-call-record.ts"
import { countChunk, type OutputCounter } from "../accounting/output-counter.ts"
import { settledUsage } from "../accounting/settled-usage.ts"
import { answerFacts } from "./answer-facts.ts"
import type { RowSubject } from "./call-subject.ts"

/** What a stream's chunks said, for its row. */
export interface StreamTallied {
  readonly usage: TokenUsage
  readonly estimated: boolean
  readonly ttftMs: number | null
  readonly answered: Partial<CallFacts>
}

/** What a stream's chunks say for its row: usage, repairs, choice 0's finish, time to the first token. */
export class StreamTally {
  private usage: TokenUsage | undefined
  private ttftMs: number | null = null
  private readonly repaired: string[] = []
  private finish: { finishReason?: string; rawFinishReason?: string } = {}

  private readonly subject: RowSubject
  /** What was streamed, counted as it passes (cheap) and turned into tokens once, at the end. */
  private readonly output: OutputCounter

  constructor(subject: RowSubject, output: OutputCounter) {
    this.subject = subject
    this.output = output
  }

  /** One upstream read's chunks, in order. */
  observeBatch(batch: readonly GenerateChunk[]): void {
    for (const chunk of batch) this.observe(chunk)
  }

  observe(chunk: GenerateChunk): void {
    if (chunk.usage !== undefined) this.usage = chunk.usage
    if (chunk.repaired !== undefined) this.repaired.push(...chunk.repaired)
    // Choice 0's finish is the row's (as for a non-streamed answer).
    if (chunk.finishReason !== undefined && (chunk.choiceIndex ?? 0) === 0) {
      this.finish = { finishReason: chunk.finishReason, ...(chunk.rawFinishReason === undefined ? {} : { rawFinishReason: chunk.rawFinishReason }) }
    }
    if (chunk.deltaContent !== undefined || chunk.deltaToolCalls !== undefined || chunk.deltaReasoning !== undefined) {
      this.ttftMs ??= Math.round(performance.now() - this.subject.t0)
    }
    countChunk(this.output, chunk)
  }

  result(): StreamTallied {
    // Without the upstream's counts (none sent, the client left first, an untrusted figure left out): estimated.
    const { usage, estimated } = settledUsage(this.usage, { prompt: this.subject.call.estimate.prompt, completion: () => this.output.tokens() })
    return { usage, estimated, ttftMs: this.ttftMs, answered: answerFacts({ ...this.finish, repaired: this.repaired }) }
  }
}
