import type { GenerateChunk, ToolCallDelta } from "@harper-gateway/translate"

/**
 * Whether a stream chunk is progress for the idle clock: something the model produced
 * (text, reasoning, a refusal, a tool-call fragment, a signed block, a citation, an
 * unknown part) or the stream's end (a finish, usage). An identity, a role or empty
 * deltas alone are not: an upstream sending only those (or pings and comments, which
 * make no chunk at all) holds the call without answering.
 */
export function carriesContent(chunk: GenerateChunk): boolean {
  return (
    nonEmpty(chunk.deltaContent) ||
    nonEmpty(chunk.deltaReasoning) ||
    nonEmpty(chunk.deltaRefusal) ||
    (chunk.deltaToolCalls ?? []).some(toolCallProgress) ||
    (chunk.thinkingBlocks ?? []).length > 0 ||
    (chunk.annotations ?? []).length > 0 ||
    (chunk.unknownParts ?? []).length > 0 ||
    chunk.finishReason !== undefined ||
    chunk.usage !== undefined
  )
}

function toolCallProgress(delta: ToolCallDelta): boolean {
  return nonEmpty(delta.id) || nonEmpty(delta.name) || nonEmpty(delta.argumentsDelta)
}

function nonEmpty(text: string | undefined): boolean {
  return text !== undefined && text !== ""
}
