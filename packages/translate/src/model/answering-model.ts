import type { UpstreamIdentity } from "./types.ts"

/**
 * The model answering after a chunk: the last one named. A provider that hands the answer
 * to another model mid-stream names it then (Anthropic's `fallback` block), and what
 * follows is that model's; an empty name is no name.
 */
export function answeringModel<Known extends string | undefined>(known: Known, chunk: Pick<UpstreamIdentity, "model">): string | Known {
  return chunk.model !== undefined && chunk.model !== "" ? chunk.model : known
}
