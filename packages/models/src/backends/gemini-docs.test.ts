import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { geminiFieldDispositions } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"

const whole = readFileSync(fileURLToPath(new URL("../../../../docs/backends/gemini.md", import.meta.url)), "utf8")
const page = whole.slice(whole.indexOf("## Chat: request fields"), whole.indexOf("## Chat: answers"))

describe("docs/backends/gemini.md says what the gemini disposition table does", () => {
  it.each(Object.entries(geminiFieldDispositions))("%s", (field, disposition) => {
    const row = page.split("\n").find((line) => line.startsWith(`| \`${field}\``) || (disposition.kind === "facade" && line.startsWith("| `signal`") && line.includes(`\`${field}\``)))
    expect(row, `no row for ${field}`).toBeDefined()
    expect(row?.split("|")[2]?.trim()).toBe(disposition.kind)
    if (disposition.kind === "refused") expect(row).toContain(`(\`${disposition.param}\`)`)
  })
})
