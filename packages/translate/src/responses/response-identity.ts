/**
 * What a response is called and when it was made: injected by the caller (translate
 * makes no ids and reads no clock). Item ids are derived from the response id, so
 * they are unique wherever response ids are, and the same in the stream and in the
 * stored object.
 */
export interface ResponseIdentity {
  /** e.g. `resp_…`, unique per response. */
  readonly id: string
  /** Unix seconds. */
  readonly createdAt: number
  readonly model: string
}

export type OutputItemKind = "msg" | "fc" | "rs"

export function outputItemId(responseId: string, kind: OutputItemKind, outputIndex: number): string {
  const suffix = responseId.startsWith("resp_") ? responseId.slice("resp_".length) : responseId
  return `${kind}_${suffix}_${outputIndex}`
}
