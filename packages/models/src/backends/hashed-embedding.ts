/**
 * A deterministic text embedding for the echo backend: word and character-trigram
 * features hashed (FNV-1a) into `dimensions` buckets with a hashed sign, then
 * L2-normalised. Texts sharing words score a higher cosine similarity, which is
 * enough for development and tests; it is not a semantic model.
 */
export function hashedEmbedding(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions)
  const lower = text.toLowerCase()
  for (const word of lower.split(/[^\p{L}\p{N}]+/u)) {
    if (word === "") continue
    add(vector, `w:${word}`, 1)
    const padded = ` ${word} `
    for (let i = 0; i + 3 <= padded.length; i++) add(vector, `t:${padded.slice(i, i + 3)}`, 0.5)
  }
  let norm = 0
  for (const value of vector) norm += value * value
  if (norm === 0) {
    vector[0] = 1 // the empty text still gets a unit vector
    return vector
  }
  const scale = 1 / Math.sqrt(norm)
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i] ?? 0) * scale
  return vector
}

function add(vector: Float32Array, feature: string, weight: number): void {
  const hash = fnv1a(feature)
  const index = hash % vector.length
  vector[index] = (vector[index] ?? 0) + (hash & 0x80000000 ? -weight : weight)
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}
