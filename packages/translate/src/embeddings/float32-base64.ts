/**
 * Vectors as OpenAI's `encoding_format: "base64"`: little-endian float32 bytes,
 * base64-encoded. Where the runtime has Buffer (Node, Bun, Deno) its native codec is
 * used; elsewhere the standard `btoa`/`atob`. No byte-order copy on little-endian hosts
 * (nearly all of them).
 */
const LITTLE_ENDIAN = new Uint8Array(Float32Array.of(1).buffer)[3] === 0x3f

interface NativeBuffer {
  from(bytes: ArrayBufferLike, offset: number, length: number): { toString(encoding: "base64"): string }
  from(text: string, encoding: "base64"): Uint8Array
}

function isNativeBuffer(value: unknown): value is NativeBuffer {
  return typeof value === "function" && typeof Reflect.get(value, "from") === "function"
}

const nativeBuffer: unknown = Reflect.get(globalThis, "Buffer")
const native = isNativeBuffer(nativeBuffer) ? nativeBuffer : undefined

export function float32ToBase64(vector: Float32Array): string {
  const bytes = LITTLE_ENDIAN ? new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength) : littleEndianBytes(vector)
  if (native !== undefined) return native.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64")
  let binary = ""
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/** Undefined when the text is not base64 of a whole number of float32 values. */
export function base64ToFloat32(text: string): Float32Array | undefined {
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0
  const expected = (text.length / 4) * 3 - padding
  if (text.length % 4 !== 0 || expected % 4 !== 0) return undefined
  const bytes = decodeBase64(text)
  // A lenient decoder skips characters outside the alphabet: a short result means the text was not base64.
  if (bytes === undefined || bytes.length !== expected) return undefined
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Float32Array(bytes.length / 4)
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true)
  return out
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/**
 * Whether the text is standard base64 of a whole number of float32 values. With a native
 * codec the text is decoded (several times faster than scanning it with the pattern):
 * the codec skips or stops at characters outside the alphabet, so a short result means
 * the text was not base64; it also takes the URL-safe `-` and `_`, which the standard
 * alphabet does not have, so those are looked for first.
 */
export function isFloat32Base64(text: string): boolean {
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0
  const expected = (text.length / 4) * 3 - padding
  if (text.length % 4 !== 0 || expected % 4 !== 0) return false
  if (native === undefined) return BASE64.test(text)
  return !text.includes("-") && !text.includes("_") && native.from(text, "base64").length === expected
}

function decodeBase64(text: string): Uint8Array | undefined {
  if (native !== undefined) return native.from(text, "base64")
  let binary: string
  try {
    binary = atob(text)
  } catch {
    return undefined
  }
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

function littleEndianBytes(vector: Float32Array): Uint8Array {
  const bytes = new Uint8Array(vector.length * 4)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < vector.length; i++) view.setFloat32(i * 4, vector[i] ?? 0, true)
  return bytes
}
