import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { resolve } from "node:path"

/**
 * The project's shared material (recorded provider traffic, client captures, the
 * official OpenAI spec) sits beside the repository as `../shared`. Tests fail, not
 * skip, when it is missing: their evidence would be gone.
 */
const repoRoot = resolve(fileURLToPath(new URL("../../..", import.meta.url)))
export const sharedDir = process.env["GATEWAY_SHARED_DIR"] ?? resolve(repoRoot, "..", "shared")

if (!existsSync(sharedDir)) throw new Error(`shared material not found at ${sharedDir} (set GATEWAY_SHARED_DIR)`)

export const recordedDir = resolve(sharedDir, "fixtures", "recorded", "openai-compatible")
export const recordedResponsesDir = resolve(sharedDir, "fixtures", "recorded", "openai-responses")
export const capturesDir = resolve(sharedDir, "research", "captures")
export const openapiPath = resolve(sharedDir, "openai", "openapi.yaml")
