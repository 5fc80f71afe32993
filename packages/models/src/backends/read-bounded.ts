import { GatewayFailure } from "@harper-gateway/translate"

/** The body's bytes up to `limit`; past it, nothing more is read and the connection is dropped. */
export async function readBounded(body: AsyncIterable<Uint8Array> & { destroy(): void }, limit: number): Promise<{ readonly bytes: Buffer; readonly truncated: boolean }> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    if (size + buffer.length > limit) {
      chunks.push(buffer.subarray(0, limit - size))
      body.destroy()
      return { bytes: Buffer.concat(chunks, limit), truncated: true }
    }
    chunks.push(buffer)
    size += buffer.length
  }
  return { bytes: Buffer.concat(chunks, size), truncated: false }
}

/** A non-streamed answer over the limit is refused whole: a cut JSON document is not an answer. */
export async function readAnswer(body: AsyncIterable<Uint8Array> & { destroy(): void }, limit: number): Promise<Buffer> {
  const { bytes, truncated } = await readBounded(body, limit)
  if (truncated) {
    throw new GatewayFailure({ _tag: "UpstreamError", code: "upstream_response_too_large", detail: `the upstream's answer exceeded ${limit} bytes` })
  }
  return bytes
}
