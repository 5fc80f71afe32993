import { mkdirSync, writeFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { it } from "vitest"

interface Row {
  readonly client: string
  readonly scenario: string
  passed: boolean | undefined
  note: string
}

const rows: Row[] = []

/** A conformance scenario: a vitest test whose outcome also lands in the client x scenario table. */
export function scenario(client: string, name: string, run: () => Promise<void>, timeout = 60_000): void {
  const row: Row = { client, scenario: name, passed: undefined, note: "" }
  rows.push(row)
  it(
    `${client}: ${name}`,
    async () => {
      try {
        await run()
        row.passed = true
      } catch (error) {
        row.passed = false
        row.note = error instanceof Error ? error.message.split("\n")[0]?.slice(0, 160) ?? "" : String(error)
        throw error
      }
    },
    timeout,
  )
}

export function tableMarkdown(header: string): string {
  const lines = [header, "", "| client | scenario | result |", "|---|---|---|"]
  for (const row of rows) {
    const result = row.passed === true ? "pass" : row.passed === false ? `**FAIL** ${row.note.replaceAll("|", "\\|")}` : "not run"
    lines.push(`| ${row.client} | ${row.scenario} | ${result} |`)
  }
  const passed = rows.filter((r) => r.passed === true).length
  lines.push("", `${passed} of ${rows.length} scenarios passed.`)
  return lines.join("\n")
}

/** Prints the table; with CONFORMANCE_WRITE=1 (the `pnpm conformance` command) also writes docs/conformance.md. */
export function reportTable(header: string): void {
  const markdown = tableMarkdown(header)
  console.log(`\n${markdown}\n`)
  if (process.env["CONFORMANCE_WRITE"] === "1") {
    const target = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "docs", "conformance.md")
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, `${markdown}\n`)
  }
}
