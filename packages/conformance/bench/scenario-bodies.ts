/** The requests the profiler and the A/B script send, one per scenario (the bench's own, at `gpt-4.1-nano` and `text-embedding-3-small`). */
export const BENCH_MODEL = "gpt-4.1-nano"

export const scenarioBodies: Readonly<Record<string, { readonly path: string; readonly body: string }>> = {
  chat: { path: "/v1/chat/completions", body: JSON.stringify({ model: BENCH_MODEL, messages: [{ role: "user", content: "Invent a holiday" }] }) },
  stream: {
    path: "/v1/chat/completions",
    body: JSON.stringify({ model: BENCH_MODEL, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "Invent a holiday" }] }),
  },
  embeddings: {
    path: "/v1/embeddings",
    body: JSON.stringify({ model: "text-embedding-3-small", input: Array.from({ length: 16 }, (_, i) => `document number ${i}`), encoding_format: "base64" }),
  },
}
