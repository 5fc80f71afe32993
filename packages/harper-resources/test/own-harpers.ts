import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach } from "vitest"
import { startHarper, type HarperInstance } from "../dev/harper-process.ts"

/**
 * Harpers a test file starts by itself (own data folders, own admin), each stopped and its
 * folder removed after every test, and the operations API's SQL as that admin.
 */
export function ownHarpers(options: { readonly admin: { readonly username: string; readonly password: string }; readonly folderPrefix: string }) {
  const basic = `Basic ${Buffer.from(`${options.admin.username}:${options.admin.password}`).toString("base64")}`
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  }, 60_000)
  return {
    basic,
    /** Runs `cleanup` after the test (a local upstream's close, say), before the Harpers stop. */
    afterTest(cleanup: () => Promise<void>): void {
      cleanups.push(cleanup)
    },
    /** A new data folder, removed after the test. */
    newRoot(): string {
      const root = mkdtempSync(join(tmpdir(), options.folderPrefix))
      cleanups.push(async () => rmSync(root, { recursive: true, force: true }))
      return root
    },
    /** A Harper, stopped after the test. */
    async start(harperOptions: Parameters<typeof startHarper>[0]): Promise<HarperInstance> {
      const harper = await startHarper(harperOptions)
      cleanups.push(() => harper.stop())
      return harper
    },
    /** Rows of a SQL query through the operations API; a failed query throws. */
    async sql(harper: HarperInstance, query: string): Promise<Record<string, unknown>[]> {
      const response = await fetch(harper.operationsUrl, { method: "POST", headers: { authorization: basic, "content-type": "application/json" }, body: JSON.stringify({ operation: "sql", sql: query }) })
      const rows: unknown = await response.json()
      if (!Array.isArray(rows)) throw new Error(`sql failed: ${JSON.stringify(rows)}`)
      return rows.filter((row): row is Record<string, unknown> => typeof row === "object" && row !== null)
    },
  }
}
