import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"

/**
 * The benchmark in miniature, so it cannot rot: every target answers, figures are printed,
 * long streams complete. And a regression guard: the gateway's CPU per request against the
 * trivial Harper Resource's, both measured in this run, must not be more than twice the
 * figure the last full bench committed (docs/benchmarks.json). The test command runs this
 * file alone, after the rest of the suite, so other tests do not share its cores; a ratio
 * over the bound is measured once more before it fails, because a real regression shows in
 * both runs and a burst of load on a shared machine (10.55 once, against 3.6–7.9 otherwise)
 * in only one.
 */
it("bench --smoke runs every target and prints its figures", async () => {
  const committed: unknown = JSON.parse(readFileSync(new URL("../../../docs/benchmarks.json", import.meta.url), "utf8"))
  const figure = typeof committed === "object" && committed !== null && "gatewayCpuVsTrivialChatC1" in committed ? Number(committed.gatewayCpuVsTrivialChatC1) : Number.NaN
  expect(figure).toBeGreaterThan(0)
  const bound = 2 * figure
  const runs = [await smokeRun()]
  if ((runs[0] ?? Number.POSITIVE_INFINITY) > bound) runs.push(await smokeRun())
  console.log(`gateway CPU per request vs trivial Harper Resource: ${runs.join(", then ")} in this run, ${figure} committed (the guard fails above ${bound.toFixed(2)})`)
  expect(Math.min(...runs)).toBeLessThanOrEqual(bound)
}, 480_000)

/** One `bench --smoke`: checks what it printed, and gives its regression-guard ratio. */
async function smokeRun(): Promise<number> {
  const script = fileURLToPath(new URL("../bench/run-bench.ts", import.meta.url))
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [script, "--smoke"], { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()))
    child.on("exit", (exit) => resolve({ code: exit, stdout: out, stderr: err }))
  })
  expect(code, stderr.slice(-2000)).toBe(0)
  for (const target of ["upstream (direct)", "bare node:http proxy", "gateway in Harper", "trivial Harper Resource", "gateway, limited key"]) {
    expect(stdout).toMatch(new RegExp(`\\| ${target.replace(/[()]/g, "\\$&")} \\| chat \\| 1 \\| [1-9]\\d*`))
  }
  expect(stdout).toMatch(/50 concurrent long streams through the gateway: 50 completed/)
  const measured = Number(/Regression guard: .*?: (\d+(?:\.\d+)?)/.exec(stdout)?.[1])
  expect(measured).toBeGreaterThan(0)
  return measured
}
