/**
 * Vectors as OpenAI's `encoding_format: "base64"`: little-endian float32 bytes,
 * base64-encoded. Uses only the standard `btoa`/`atob` globals (Node, browsers, Deno,
 * Bun), and skips the byte-order copy on little-endian hosts (nearly all of them).
 */
const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f
const CHUNK = 0x2000 // String.fromCharCode takes its bytes as arguments: keep each call small

export function float32ToBase64(vector: Float32Array): string {
  const bytes = LITTLE_ENDIAN ? new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength) : littleEndianBytes(vector)
  let binary = ""
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK))
  return btoa(binary)
}

/** Undefined when the text is not base64 of a whole number of float32 values. */
export function base64ToFloat32(text: string): Float32Array | undefined {
  let binary: string
  try {
    binary = atob(text)
  } catch {
    return undefined
  }
  if (binary.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer)
  const view = new DataView(bytes.buffer)
  const out = new Float32Array(bytes.length / 4)
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true)
  return out
}

function littleEndianBytes(vector: Float32Array): Uint8Array {
  const bytes = new Uint8Array(vector.length * 4)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i] ?? 0, true)
  return bytes
}
