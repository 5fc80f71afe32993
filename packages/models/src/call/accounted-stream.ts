import { GatewayFailure, type GatewayError } from "@harper-gateway/translate"
import type { ChunkBatch } from "../backend.ts"
import type { CallFacts, ModelCallRecord } from "../accounting/model-call-record.ts"
import type { CallAdmissions } from "./call-admissions.ts"
import type { RowRoute } from "./call-row.ts"
import type { RowSubject } from "./call-subject.ts"
import type { CallDeps } from "./call-types.ts"
import { failureDetail, reasonOf } from "./failure-of.ts"
import { recordRow } from "./record-row.ts"
import type { StreamTally } from "./stream-tally.ts"

/** The answering attempt of a stream, as its reader needs it. */
export interface StreamAttempt {
  readonly subject: RowSubject
  readonly route: RowRoute
  readonly admissions: CallAdmissions
  readonly tally: StreamTally
  /** When the stream is over: the deployment's outstanding count. */
  readonly release: () => void
}

/**
 * The rest of an opened stream: each batch tallied in one step as it passes, and when the stream ends
 * (its end, an upstream failure, or the reader leaving through `return`) its one row
 * written and the call's admissions settled, exactly once. A plain iterator, not a
 * generator: `return` before the first `next` still writes the row.
 */
export class AccountedStream implements AsyncIterableIterator<ChunkBatch> {
  private ended = false
  private readonly deps: CallDeps
  private readonly upstream: AsyncIterator<ChunkBatch>
  private readonly attempt: StreamAttempt

  constructor(deps: CallDeps, upstream: AsyncIterator<ChunkBatch>, attempt: StreamAttempt) {
    this.deps = deps
    this.upstream = upstream
    this.attempt = attempt
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  /** The first step, read while opening: tallied, and the stream's end if it is done. */
  begin(first: IteratorResult<ChunkBatch>): void {
    if (first.done === true) this.end({ outcome: "success" })
    else this.attempt.tally.observeBatch(first.value)
  }

  async next(): Promise<IteratorResult<ChunkBatch>> {
    if (this.ended) return { done: true, value: undefined }
    let step: IteratorResult<ChunkBatch>
    try {
      step = await this.upstream.next()
    } catch (error) {
      throw this.failed(error)
    }
    if (step.done === true) this.end({ outcome: "success" })
    else this.attempt.tally.observeBatch(step.value)
    return step
  }

  /** The reader left early (client gone): stop the upstream, and bill what was streamed. */
  async return(): Promise<IteratorResult<ChunkBatch>> {
    if (!this.ended) {
      await this.upstream.return?.().catch(() => undefined)
      this.end({ outcome: "aborted", error: { _tag: "Cancelled" } })
    }
    return { done: true, value: undefined }
  }

  private failed(error: unknown): GatewayFailure {
    const { subject } = this.attempt
    const reason = reasonOf(error, subject.call.meta.signal)
    const errorDetail = failureDetail(this.deps, { error, reason, subject })
    this.end({ outcome: reason._tag === "Cancelled" ? "aborted" : "error", error: reason, facts: { errorDetail } })
    return new GatewayFailure(reason, errorDetail ?? undefined)
  }

  private end(ending: { readonly outcome: ModelCallRecord["outcome"]; readonly error?: GatewayError; readonly facts?: Partial<CallFacts> }): void {
    if (this.ended) return
    this.ended = true
    const { subject, route, admissions, tally, release } = this.attempt
    const { usage, estimated, ttftMs, answered } = tally.result()
    const row = { subject, route, outcome: ending.outcome, usage, estimated, ttftMs, facts: { ...answered, ...ending.facts } }
    recordRow(this.deps, ending.error === undefined ? row : { ...row, error: ending.error }, admissions)
    release()
    admissions.settle()
  }
}
