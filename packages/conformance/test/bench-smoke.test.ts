import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { expect, it } from "vitest"

/** The benchmark in miniature, so it cannot rot: every target answers, figures are printed, long streams complete. */
it("bench --smoke runs every target and prints its figures", async () => {
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
}, 240_000)
