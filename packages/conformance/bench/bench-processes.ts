import { spawn, type ChildProcess } from "node:child_process"
import { fileURLToPath } from "node:url"

/**
 * Runs a bench helper script with this Node and waits for its `ready <port>` line.
 * `onSpawn` gets the child at once, so a caller can stop it however the run ends.
 */
export async function spawnReady(script: string, args: readonly string[], env: Record<string, string> = {}, onSpawn: (child: ChildProcess) => void = () => undefined): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, ...env } })
  onSpawn(child)
  const port = await new Promise<number>((resolvePort, reject) => {
    let output = ""
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString()
      const match = /ready (\d+)/.exec(output)
      if (match?.[1] !== undefined) resolvePort(Number(match[1]))
    })
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)))
  })
  return { port, child }
}

/** Runs load-client.ts with `spec` (its JSON settings) and gives back what it printed: the run's statistics. */
export function runLoadClient(spec: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL("load-client.ts", import.meta.url)), spec], { stdio: ["ignore", "pipe", "inherit"] })
    let text = ""
    child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()))
    child.once("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`load client exited with ${code}`))))
  })
}
