import type { ChatCompletionChunk } from "../wire/chat-chunk.ts"

/**
 * The stream's hot path: a chunk of the shape nearly every event of a text stream has
 * (identity, one or more choices carrying at most a role and text, a finish reason, no
 * usage yet) checked by hand in a few property reads, where the full schema check costs
 * several times more per event. Anything else (usage, tool calls, reasoning, logprobs,
 * content parts, a field of an unexpected type) answers false and goes through the full
 * schema. Every value this accepts, the schema accepts (a property test says so).
 */
export function isPlainTextChunk(value: unknown): value is ChatCompletionChunk {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false
  // An error frame, or a chunk without choices (usage only, odd servers), takes the full path.
  if (!("choices" in value) || "error" in value) return false
  for (const key in value) {
    const field: unknown = Reflect.get(value, key)
    switch (key) {
      case "id":
      case "model":
      case "system_fingerprint":
      case "service_tier":
        if (field !== null && typeof field !== "string") return false
        break
      case "created":
        if (typeof field !== "number" && typeof field !== "string") return false
        break
      case "choices":
        if (!Array.isArray(field)) return false
        for (const choice of field) if (!isPlainChoice(choice)) return false
        break
      case "usage":
      case "x_groq":
        if (field !== null) return false
        break
      default:
        // Any other key is an extension the schema keeps whatever its value.
        break
    }
  }
  return true
}

function isPlainChoice(choice: unknown): boolean {
  if (typeof choice !== "object" || choice === null || Array.isArray(choice)) return false
  for (const key in choice) {
    const field: unknown = Reflect.get(choice, key)
    switch (key) {
      case "index":
        if (typeof field !== "number") return false
        break
      case "finish_reason":
        if (field !== null && typeof field !== "string") return false
        break
      case "logprobs":
        if (field !== null) return false
        break
      case "delta":
        if (field !== null && !isPlainDelta(field)) return false
        break
      default:
        // Keys the choice schema does not name are dropped by it, not refused.
        break
    }
  }
  return true
}

function isPlainDelta(delta: unknown): boolean {
  if (typeof delta !== "object" || delta === null || Array.isArray(delta)) return false
  for (const key in delta) {
    const field: unknown = Reflect.get(delta, key)
    switch (key) {
      case "role":
      case "content":
      case "refusal":
        if (field !== null && typeof field !== "string") return false
        break
      default:
        // tool_calls, reasoning, annotations…: the full schema and its checks.
        return false
    }
  }
  return true
}
