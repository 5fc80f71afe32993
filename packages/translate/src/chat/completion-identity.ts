/** What a completion or chunk stream is called on the wire: injected, never generated inside translate. */
export interface CompletionIdentity {
  readonly id: string
  /** Unix seconds. */
  readonly created: number
  readonly model: string
}
