import { readFileSync } from "node:fs"
import { join } from "node:path"
import { decodeStreamEvent, initialStreamDecoderState } from "../src/chat/stream-decoder.ts"
import type { GenerateChunk } from "../src/model/types.ts"
import { recordedDir } from "./shared-dir.ts"

/** The `data:` payloads of a recorded provider stream (`<name>.chunks.txt`), in order. */
export function recordedLines(name: string): string[] {
  return readFileSync(join(recordedDir, `${name}.chunks.txt`), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
}

/** A recorded stream through the upstream reducer, `[DONE]` included: the internal chunks a backend yields. */
export function recordedChunks(name: string): GenerateChunk[] {
  const chunks: GenerateChunk[] = []
  let state = initialStreamDecoderState()
  for (const data of [...recordedLines(name), "[DONE]"]) {
    const [next, outputs] = decodeStreamEvent(state, { type: "data", data })
    state = next
    for (const output of outputs) if (output.type === "chunk") chunks.push(output.chunk)
  }
  return chunks
}
