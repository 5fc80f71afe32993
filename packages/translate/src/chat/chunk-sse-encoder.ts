import { encodeSseData } from "../sse/encode-sse.ts"

/**
 * `encodeSseData` for one stream's chunks, cheaper for the common one: a chunk whose
 * only choice carries text and nothing else. Its identity fields (`id`, `object`,
 * `created`, `model`, `system_fingerprint`, `service_tier`) repeat on every chunk of a
 * stream, so they are rendered once and reused; the text and any extension fields are
 * rendered each time. Any other chunk is JSON.stringify'd as before. The bytes are
 * exactly encodeSseData's (property-tested); JSON.stringify of the whole chunk was 7% of a
 * streamed event's CPU.
 */
export function createChunkSseEncoder(): (chunk: object) => string {
  let template: IdentityTemplate | undefined
  return (chunk) => {
    const keys = Object.keys(chunk)
    const idAt = keys.indexOf("id")
    const text = idAt === -1 ? undefined : onlyText(Reflect.get(chunk, "choices"))
    if (text === undefined) return encodeSseData(chunk)
    if (template === undefined || !template.fits(chunk, keys, idAt)) template = identityTemplate(chunk, keys, idAt)
    if (template === undefined) return encodeSseData(chunk)
    let extensions = ""
    for (let i = 0; i < idAt; i++) {
      const key = keys[i] ?? ""
      const json: unknown = JSON.stringify(Reflect.get(chunk, key))
      if (typeof json === "string") extensions += `${JSON.stringify(key)}:${json},`
    }
    return `data: {${extensions}${template.head}${JSON.stringify(text)}${template.tail}}\n\n`
  }
}

interface IdentityTemplate {
  /** `"id":…` through `"delta":{"content":`. */
  readonly head: string
  /** From the end of the text through the last field. */
  readonly tail: string
  /** Whether a chunk has the same fields from `id` on, with the same values but `choices`. */
  fits(chunk: object, keys: readonly string[], idAt: number): boolean
}

const CHOICE_KEYS = ["index", "delta", "logprobs", "finish_reason"]

/** The text of a chunk's only choice when that choice is exactly `{index: 0, delta: {content}, logprobs: null, finish_reason: null}`. */
function onlyText(choices: unknown): string | undefined {
  if (!Array.isArray(choices) || choices.length !== 1) return undefined
  const [choice]: unknown[] = choices
  if (typeof choice !== "object" || choice === null || !sameKeys(Object.keys(choice), CHOICE_KEYS)) return undefined
  if (Reflect.get(choice, "index") !== 0 || Reflect.get(choice, "logprobs") !== null || Reflect.get(choice, "finish_reason") !== null) return undefined
  const delta: unknown = Reflect.get(choice, "delta")
  if (typeof delta !== "object" || delta === null || Array.isArray(delta)) return undefined
  const deltaKeys = Object.keys(delta)
  const text: unknown = Reflect.get(delta, "content")
  return deltaKeys.length === 1 && deltaKeys[0] === "content" && typeof text === "string" ? text : undefined
}

/** The fields from `id` on, rendered around the choice's text; undefined when a value is not a plain string, number or null. */
function identityTemplate(chunk: object, keys: readonly string[], idAt: number): IdentityTemplate | undefined {
  const identityKeys = keys.slice(idAt)
  const values = identityKeys.map((key) => Reflect.get(chunk, key))
  const choicesAt = identityKeys.indexOf("choices")
  if (choicesAt === -1 || !values.every((value, i) => i === choicesAt || value === null || typeof value === "string" || (typeof value === "number" && Number.isFinite(value)))) return undefined
  const render = (from: number, to: number) => identityKeys.slice(from, to).map((key, i) => `${JSON.stringify(key)}:${JSON.stringify(values[from + i])}`)
  const before = render(0, choicesAt)
  const after = render(choicesAt + 1, identityKeys.length)
  return {
    head: `${[...before, ""].join(",")}"choices":[{"index":0,"delta":{"content":`,
    tail: `},"logprobs":null,"finish_reason":null}]${after.map((field) => `,${field}`).join("")}`,
    fits: (other, otherKeys, otherIdAt) => otherKeys.length - otherIdAt === identityKeys.length && identityKeys.every((key, i) => otherKeys[otherIdAt + i] === key && (i === choicesAt || Reflect.get(other, key) === values[i])),
  }
}

function sameKeys(keys: readonly string[], expected: readonly string[]): boolean {
  return keys.length === expected.length && keys.every((key, i) => key === expected[i])
}
