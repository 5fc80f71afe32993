import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { sharedDir } from "./shared-dir.ts"

/** Real recordings of native provider APIs (shared/fixtures/recorded/<provider>/, see its README). */
const recordedProviderDir = (provider: "anthropic" | "gemini"): string => resolve(sharedDir, "fixtures", "recorded", provider)

/** A recorded non-streamed body, as the upstream wrote it. */
export function recordedBody(provider: "anthropic" | "gemini", name: string): string {
  return readFileSync(join(recordedProviderDir(provider), `${name}.json`), "utf8")
}

export function recordedJson(provider: "anthropic" | "gemini", name: string): unknown {
  return JSON.parse(recordedBody(provider, name))
}

/** The `data:` payloads of a recorded stream, in order. */
export function recordedStreamLines(provider: "anthropic" | "gemini", name: string): string[] {
  return readFileSync(join(recordedProviderDir(provider), `${name}.chunks.txt`), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
}
