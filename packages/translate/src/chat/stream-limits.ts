/**
 * Bounds on what a stream may accumulate: the gateway runs on a public path and an
 * upstream (or a backend) must not be able to exhaust its memory through tool calls.
 */
export const streamLimits = {
  maxToolCalls: 128,
  maxArgumentCharsPerCall: 1024 * 1024,
  maxArgumentCharsPerStream: 8 * 1024 * 1024,
} as const

export type StreamLimits = { readonly [K in keyof typeof streamLimits]: number }
