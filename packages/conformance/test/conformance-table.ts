import { mkdirSync, readdirSync, writeFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { it } from "vitest"

type Outcome = { readonly kind: "not run" } | { readonly kind: "pass" } | { readonly kind: "fail"; readonly note: string } | { readonly kind: "cannot"; readonly reason: string }

interface Row {
  readonly client: string
  readonly scenario: string
  /** Where the scenario ran when not on the target's backend (e.g. embeddings on the openai backend). */
  readonly ranOn: string | undefined
  outcome: Outcome
}

interface ScenarioOptions {
  /** The provider cannot do this: registered as skipped, shown as `cannot: reason`. */
  readonly cannot?: string | undefined
  readonly ranOn?: string | undefined
  readonly timeout?: number
}

export interface ConformanceTable {
  /** A conformance scenario: a vitest test whose outcome also lands in the target's client x scenario table. */
  scenario(client: string, name: string, run: () => Promise<void>, options?: ScenarioOptions): void
  markdown(header: string): string
  /** Prints the table; with CONFORMANCE_WRITE=1 (the `pnpm conformance` command) also writes the target's docs file. */
  report(header: string): void
}

const testDir = dirname(fileURLToPath(import.meta.url))
const docsDir = resolve(testDir, "..", "..", "..", "docs")

/** The table's file: docs/conformance.md for the openai backend, docs/conformance-<target>.md for the others. */
export function tableFileName(target: string): string {
  return target === "openai" ? "conformance.md" : `conformance-${target}.md`
}

/** The other targets, by their test files (`clients-<target>.conformance.test.ts`): the ones the conformance command runs. */
export function otherTargets(): string[] {
  return readdirSync(testDir)
    .flatMap((file) => /^clients-(.+)\.conformance\.test\.ts$/.exec(file)?.[1] ?? [])
    .sort()
}

function resultCell(row: Row): string {
  const where = row.ranOn === undefined ? "" : ` (${row.ranOn})`
  switch (row.outcome.kind) {
    case "pass":
      return `pass${where}`
    case "fail":
      return `**FAIL** ${row.outcome.note}${where}`
    case "cannot":
      return `cannot: ${row.outcome.reason}`
    case "not run":
      return "not run"
    default: {
      const unreachable: never = row.outcome
      return unreachable
    }
  }
}

export function createConformanceTable(target: string): ConformanceTable {
  const rows: Row[] = []
  const markdown = (header: string): string => {
    const lines = [header, "", "| client | scenario | result |", "|---|---|---|"]
    for (const row of rows) lines.push(`| ${row.client} | ${row.scenario} | ${resultCell(row).replaceAll("|", "\\|")} |`)
    const passed = rows.filter((r) => r.outcome.kind === "pass").length
    const cannot = rows.filter((r) => r.outcome.kind === "cannot").length
    const possible = rows.length - cannot
    lines.push("", cannot === 0 ? `${passed} of ${rows.length} scenarios passed.` : `${passed} of ${possible} scenarios passed; ${cannot} more the provider cannot do (marked cannot).`)
    return lines.join("\n")
  }
  return {
    scenario(client, name, run, options = {}) {
      const row: Row = { client, scenario: name, ranOn: options.ranOn, outcome: { kind: "not run" } }
      rows.push(row)
      if (options.cannot !== undefined) {
        row.outcome = { kind: "cannot", reason: options.cannot }
        it.skip(`${client}: ${name}`, run)
        return
      }
      it(
        `${client}: ${name}`,
        async () => {
          try {
            await run()
            row.outcome = { kind: "pass" }
          } catch (error) {
            row.outcome = { kind: "fail", note: error instanceof Error ? (error.message.split("\n")[0]?.slice(0, 160) ?? "") : String(error) }
            throw error
          }
        },
        options.timeout ?? 60_000,
      )
    },
    markdown,
    report(header) {
      const text = markdown(header)
      console.log(`\n${text}\n`)
      if (process.env["CONFORMANCE_WRITE"] === "1") {
        mkdirSync(docsDir, { recursive: true })
        writeFileSync(resolve(docsDir, tableFileName(target)), `${text}\n`)
      }
    },
  }
}
