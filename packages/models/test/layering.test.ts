import { execFileSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const modelsSrc = fileURLToPath(new URL("../src", import.meta.url))
const pluginSrc = fileURLToPath(new URL("../../harper-resources/src", import.meta.url))

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return name.endsWith(".ts") ? [path] : []
  })
}

describe("packages/models", () => {
  it("imports no Harper and nothing of the plugin", () => {
    const offences = sources(modelsSrc).filter((file) => /from "harperdb"|harper-resources|from "harper-gateway"/.test(readFileSync(file, "utf8")))
    expect(offences).toEqual([])
  })

  it("holds the backends and the facade; the plugin holds neither", () => {
    expect(existsSync(join(modelsSrc, "backends", "openai-backend.ts"))).toBe(true)
    expect(existsSync(join(pluginSrc, "backends"))).toBe(false)
    expect(existsSync(join(pluginSrc, "models"))).toBe(false)
    const pluginImportsUndici = sources(pluginSrc).filter((file) => /from "undici"/.test(readFileSync(file, "utf8")))
    expect(pluginImportsUndici).toEqual([])
  })

  it("loads under Node's strip-only TypeScript, as Harper loads the sources", () => {
    const index = join(modelsSrc, "index.ts")
    const printed = execFileSync(process.execPath, ["--input-type=module", "-e", `const m = await import(${JSON.stringify(index)}); console.log(typeof m.createModelsService)`], { encoding: "utf8" })
    expect(printed.trim()).toBe("function")
  })
})
