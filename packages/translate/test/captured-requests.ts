import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { capturesDir } from "./shared-dir.ts"

export interface CapturedRequest {
  readonly file: string
  readonly body: Record<string, unknown>
}

/** Every request body the real clients sent to `path` in the captures (files matching `prefix`, if given). */
export function capturedRequests(path: string, prefix = ""): CapturedRequest[] {
  return readdirSync(capturesDir)
    .filter((file) => file.endsWith(".json") && !file.startsWith("_") && file.startsWith(prefix))
    .flatMap((file) => {
      const capture: { requests: { path: string; body: Record<string, unknown> }[] } = JSON.parse(readFileSync(join(capturesDir, file), "utf8"))
      return capture.requests.filter((request) => request.path === path).map((request) => ({ file, body: request.body }))
    })
}
