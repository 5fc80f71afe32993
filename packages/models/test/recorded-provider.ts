import { existsSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/**
 * Real recordings of native provider APIs (`../shared/fixtures/recorded/<provider>/`
 * beside the repository; see its README). Tests fail, not skip, when it is missing.
 */
const repoRoot = resolve(fileURLToPath(new URL("../../..", import.meta.url)))
const sharedDir = process.env["GATEWAY_SHARED_DIR"] ?? resolve(repoRoot, "..", "shared")
if (!existsSync(sharedDir)) throw new Error(`shared material not found at ${sharedDir} (set GATEWAY_SHARED_DIR)`)

const providerDir = (provider: string) => resolve(sharedDir, "fixtures", "recorded", provider)

/** A recorded non-streamed body, as the upstream wrote it. */
export function recordedBody(provider: string, name: string): string {
  return readFileSync(join(providerDir(provider), `${name}.json`), "utf8")
}

/** The `data:` payloads of a recorded stream, in order. */
export function recordedStreamLines(provider: string, name: string): string[] {
  return readFileSync(join(providerDir(provider), `${name}.chunks.txt`), "utf8").split("\n").filter((line) => line.trim() !== "")
}
