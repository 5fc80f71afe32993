import { join } from "node:path"
import { parentPort, threadId } from "node:worker_threads"
import type { GatewayConfig } from "../config/gateway-config.ts"
import { quarantineRow, recordReader, type TableLike } from "../harper-tables.ts"
import { retryWithBackoff } from "../harper/scheduling.ts"
import { createCallRecorder, type CallRecorder } from "./call-recorder.ts"
import { openJournal } from "./journal.ts"
import { processRunId } from "./process-run-id.ts"
import { replayLeftovers } from "./replay-leftovers.ts"
import { createRollupWriter } from "./rollup-writer.ts"
import { markRollupsStart } from "./rollup-starts.ts"
import type { RowStore } from "./store-rows.ts"

interface AccountingTables {
  readonly calls: TableLike
  readonly rollups: TableLike
  readonly rollupStarts: TableLike
  readonly quarantine: TableLike
}

export interface AccountingSetup {
  readonly config: GatewayConfig["accounting"]
  /** Harper's root (or the application's directory): where the journal goes by default. */
  readonly rootDirectory: string
  readonly node: string
  readonly tables: AccountingTables
  readonly logger: { error(...args: unknown[]): void }
}

const DEFAULT_RETENTION_DAYS = 90

/**
 * This worker's accounting writer: rows journalled, then batched into hdb_model_calls and
 * their rollups; the journals of earlier runs replayed; what is buffered written when
 * Harper stops the worker gracefully.
 */
export function startAccounting(setup: AccountingSetup): CallRecorder {
  const { config, node, tables, logger } = setup
  const logError = (message: string, error: unknown) => logger.error(message, error)
  const { calls, rollups, rollupStarts, quarantine } = tables
  const retentionSeconds = (config?.retentionDays ?? DEFAULT_RETENTION_DAYS) * 86_400
  calls.setTTLExpiration(retentionSeconds)
  rollups.setTTLExpiration(retentionSeconds)
  const worker = String(threadId)
  // Harper 4.7 exits at once on SIGTERM, so rows are journalled synchronously before they are batched.
  const journalDir = config?.journalDir ?? join(setup.rootDirectory, "gateway-accounting")
  // Names this start of Harper, in every worker: leftovers of other starts are replayed even when the pid repeats.
  const runId = processRunId()
  const maxBatch = config?.maxBatch ?? 500
  // Every row this worker stores (journal replays included) is added to its rollups in the same transaction.
  const store: RowStore = {
    write: createRollupWriter({ calls, rollups, writer: { node, thread: worker }, readRow: recordReader(calls) }),
    quarantine: (row, reason) => quarantineRow(quarantine, { row, reason }, (message) => logger.error(message)),
  }
  void markRollupsStart({ starts: rollupStarts, calls }, node, Date.now).catch((error: unknown) => logError("gateway accounting: could not record when the usage rollups start", error))
  const recorder = createCallRecorder({
    store,
    flushIntervalMs: config?.flushIntervalMs ?? 500,
    maxBatch,
    ...(config?.maxBufferedRows === undefined ? {} : { maxBuffered: config.maxBufferedRows }),
    onError: (error, pending) => logError(`gateway accounting: write failed, ${pending} rows kept in memory, every row in the journal`, error),
    journal: openJournal(journalDir, runId, worker),
  })
  retryWithBackoff(
    () =>
      replayLeftovers({
        directory: journalDir,
        runId,
        worker,
        store,
        maxBatch,
        // A call whose final row was set aside is not turned into an interrupted one either.
        isStored: async (id) => isPresent(await calls.get(id)) || isPresent(await quarantine.get(id)),
      }),
    (error, attempt) => logError(`gateway accounting: replaying the journal failed (attempt ${attempt}), retrying`, error),
  )
  parentPort?.on("message", (message: unknown) => {
    if (typeof message === "object" && message !== null && Reflect.get(message, "type") === "shutdown") void recorder.close()
  })
  return recorder
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null
}
