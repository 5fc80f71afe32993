import type { ThinkingBlock } from "../model/types.ts"
import type { ThinkingBlockWire } from "../wire/thinking-blocks.ts"

/** Internal signed reasoning blocks as the `thinking_blocks` extension (LiteLLM's field names, which are also Anthropic's). */
export function thinkingBlocksToOpenAI(blocks: readonly ThinkingBlock[]): ThinkingBlockWire[] {
  return blocks.map(copyBlock)
}

/** A client's `thinking_blocks` back to internal blocks. */
export function thinkingBlocksFromOpenAI(blocks: readonly ThinkingBlockWire[]): ThinkingBlock[] {
  return blocks.map(copyBlock)
}

/** Rebuilt field by field, so nothing else a client or upstream put on a block rides along. */
function copyBlock(block: ThinkingBlock): ThinkingBlock {
  return block.type === "thinking" ? { type: "thinking", thinking: block.thinking, signature: block.signature } : { type: "redacted_thinking", data: block.data }
}
