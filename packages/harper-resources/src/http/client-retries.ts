import type { HarperHeaders } from "./harper-request.ts"

const CLIENT_RETRY_HEADER = "x-stainless-retry-count"

/**
 * How many times the client already sent this request: the OpenAI SDKs' (Stainless)
 * `x-stainless-retry-count`, 0 on a first try. Read tolerantly: anything but a plain
 * non-negative integer is 0 (a first try, the full attempt budget); the value only ever
 * lowers the caller's own budget, so a client gains nothing by lying.
 */
export function clientRetriesOf(headers: Pick<HarperHeaders, "get">): number {
  const value = headers.get(CLIENT_RETRY_HEADER)?.trim()
  if (value === undefined || !/^\d{1,6}$/.test(value)) return 0
  return Number(value)
}
