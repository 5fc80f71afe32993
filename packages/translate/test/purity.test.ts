import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

/** The package's library code does no IO and reads no clock or randomness: those are parameters. */
const srcDir = fileURLToPath(new URL("../src", import.meta.url))
const forbidden = [/from "node:/, /\bfetch\(/, /Date\.now\(/, /new Date\(\)/, /Math\.random\(/, /randomUUID/, /performance\.now/, /process\./, /require\(/, /\bas any\b/, /\bas never\b/, /@ts-ignore/]

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return name.endsWith(".ts") && !name.endsWith(".test.ts") ? [path] : []
  })
}

describe("packages/translate", () => {
  it("has no IO, clock, randomness or escape hatches in its library code", () => {
    const offences = sources(srcDir).flatMap((file) => {
      const text = readFileSync(file, "utf8")
      return forbidden.filter((pattern) => pattern.test(text)).map((pattern) => `${file}: ${pattern}`)
    })
    expect(offences).toEqual([])
  })

  it("loads under Node's strip-only TypeScript, as Harper loads the sources (no parameter properties, enums or namespaces)", () => {
    // vitest compiles TypeScript fully, so only a plain Node import shows what Node's type stripping refuses.
    const index = join(srcDir, "index.ts")
    const printed = execFileSync(process.execPath, ["--input-type=module", "-e", `const m = await import(${JSON.stringify(index)}); console.log(typeof m.decodeChatRequest)`], { encoding: "utf8" })
    expect(printed.trim()).toBe("function")
  })

  it("runs its tests on the project's Node 24", () => {
    expect(process.versions.node.split(".")[0]).toBe("24")
  })
})
