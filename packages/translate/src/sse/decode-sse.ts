import { createParser, type EventSourceMessage, type ParseError } from "eventsource-parser"
import { GatewayFailure } from "../errors/gateway-error.ts"

export interface SseEvent {
  readonly event: string | undefined
  readonly data: string
  /** The last event ID in force when this event was dispatched. */
  readonly id: string | undefined
}

export interface SseDecoder {
  /** Feed bytes as they arrive, split anywhere (even inside a UTF-8 character); returns the events completed. */
  push(bytes: Uint8Array): readonly SseEvent[]
  /** The stream ended: returns nothing more, or throws when the bytes left over are not a whole line. */
  end(): readonly SseEvent[]
}

/** Per spec: a line longer than this is not an event we can use, and must not grow memory without bound. The NDJSON splitter uses the same bound (in bytes; the SSE parser counts characters). */
export const MAX_STREAM_LINE = 16 * 1024 * 1024
const DEFAULT_MAX_BUFFER = MAX_STREAM_LINE

/**
 * Decodes an SSE byte stream into events per the WHATWG spec (LF, CR and CRLF line
 * ends, comments, multi-line data, `id:` and `retry:`), using eventsource-parser for
 * the grammar. An event that never saw its blank line when the stream ended is
 * dropped, as the spec says.
 */
export function createSseDecoder(maxBufferSize: number = DEFAULT_MAX_BUFFER): SseDecoder {
  const text = new TextDecoder("utf-8")
  let pending: SseEvent[] = []
  let failure: GatewayFailure | undefined
  // The spec's last-event-ID buffer persists across events until another `id:` sets it.
  let lastId: string | undefined
  const parser = createParser({
    maxBufferSize,
    onId: (id) => {
      lastId = id
    },
    onEvent: (message: EventSourceMessage) => {
      pending.push({ event: message.event, data: message.data, id: message.id ?? lastId })
    },
    onError: (error) => {
      failure ??= failureOf(error, maxBufferSize)
    },
  })
  const drain = (): readonly SseEvent[] => {
    if (failure !== undefined) throw failure
    const out = pending
    pending = []
    return out
  }
  return {
    push(bytes) {
      parser.feed(text.decode(bytes, { stream: true }))
      return drain()
    },
    end() {
      const rest = text.decode()
      if (rest !== "") parser.feed(rest)
      parser.reset({ consume: false })
      return drain()
    },
  }
}

/** Only an overlong line stops the stream: the spec has a reader ignore unknown fields and a bad `retry`. */
function failureOf(error: ParseError, maxBufferSize: number): GatewayFailure | undefined {
  switch (error.type) {
    case "max-buffer-size-exceeded":
      return new GatewayFailure({ _tag: "UpstreamError", code: "invalid_upstream_stream", detail: `an SSE line is longer than ${maxBufferSize} characters` })
    case "invalid-retry":
    case "unknown-field":
      return undefined
    default: {
      const unreachable: never = error.type
      return unreachable
    }
  }
}
