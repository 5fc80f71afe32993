/**
 * A cheaper JSON.parse for a stream's ordinary text chunks. An upstream's text chunks
 * differ from one another only in the delta's text and in the fields after `choices`
 * (OpenAI's `obfuscation`, a `usage: null`); the bytes before the text, and between the
 * text and those fields, repeat. A template learned from one line reads a later line by
 * comparing those bytes and parsing only what differs (JSON.parse was a sixth of a
 * streamed event's CPU). It gives exactly what JSON.parse gives, or undefined when the
 * line does not fit, and the caller parses it in full (property-tested against
 * JSON.parse).
 */
export interface ChunkLineTemplate {
  /** The line up to and including the opening quote of `choices[0].delta.content`. */
  readonly prefix: string
  /** From the text's closing quote through the `]` that closes `choices`. */
  readonly middle: string
  /** What the prefix and middle parse to, with the text empty. */
  readonly head: Readonly<Record<string, unknown>>
  readonly choice: Readonly<Record<string, unknown>>
  readonly delta: Readonly<Record<string, unknown>>
  /** The fields after `choices` when only their last string value changes from line to line (OpenAI's `obfuscation`). */
  readonly tail?: TailTemplate
}

interface TailTemplate {
  /** From the `,` after `choices` through the opening quote of the last value. */
  readonly prefix: string
  /** The fields before the last, in order, as JSON.parse gives them. */
  readonly fields: readonly (readonly [string, unknown])[]
  readonly lastKey: string
}

const CONTENT_KEY = '"content":"'
/** Text chunks are short; learning looks at a line no longer than this, and at its first few `"content":"`, so a hostile line cannot make it slow. */
const MAX_LEARNED_LINE = 8 * 1024
const MAX_CANDIDATES = 4
/** Raw control characters make JSON.parse throw; such a line is left to it. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u001f]/

/**
 * Learns a template from a line and what JSON.parse gave for it, or undefined when the
 * line is not a one-choice chunk with text, or the template would not read it (and a
 * line with other text) exactly as JSON.parse does.
 */
export function learnChunkLineTemplate(line: string, parsed: unknown): ChunkLineTemplate | undefined {
  if (line.length > MAX_LEARNED_LINE || !hasOneTextChoice(parsed)) return undefined
  // Each `"content":"` in the line is a candidate; the checks below accept only the delta's.
  let candidates = 0
  for (let at = line.indexOf(CONTENT_KEY); at !== -1 && candidates++ < MAX_CANDIDATES; at = line.indexOf(CONTENT_KEY, at + 1)) {
    const textStart = at + CONTENT_KEY.length
    const textEnd = closingQuote(line, textStart)
    if (textEnd === undefined) continue
    const choicesEnd = line.indexOf("}]", textEnd)
    if (choicesEnd === -1) continue
    const prefix = line.slice(0, textStart)
    const middle = line.slice(textEnd, choicesEnd + 2)
    const bare = templateOf(prefix, middle)
    if (bare === undefined) continue
    const suffix = line.slice(choicesEnd + 2)
    const probe = `${prefix}probe \\u00e9 text${middle}${suffix}`
    const reads = (template: ChunkLineTemplate, lines: readonly string[]) => lines.every((each) => sameJson(readChunkLine(template, each), parseOrUndefined(each)))
    const tail = tailOf(suffix)
    if (tail !== undefined) {
      const withTail = { ...bare, tail }
      if (reads(withTail, [line, probe, `${line.slice(0, choicesEnd + 2)}${tail.prefix}probe"}`])) return withTail
    }
    if (reads(bare, [line, probe])) return bare
  }
  return undefined
}

/** The tail template for `,…,"key":"value"}`, or undefined when the last value is not a plain string. */
function tailOf(suffix: string): TailTemplate | undefined {
  if (!suffix.startsWith(",") || !suffix.endsWith('"}')) return undefined
  const valueQuote = suffix.lastIndexOf('"', suffix.length - 3)
  if (valueQuote < 1 || suffix[valueQuote - 1] !== ":" || !isPlainText(suffix.slice(valueQuote + 1, suffix.length - 2))) return undefined
  const keyEnd = valueQuote - 2
  const keyStart = suffix.lastIndexOf('"', keyEnd - 1)
  if (suffix[keyEnd] !== '"' || keyStart < 0) return undefined
  const lastKey = suffix.slice(keyStart + 1, keyEnd)
  const fields = parseOrUndefined(`{${suffix.slice(1, keyStart).replace(/,$/, "")}}`)
  if (!isRecord(fields) || !onlyScalars(fields) || !isPlainText(lastKey)) return undefined
  return { prefix: suffix.slice(0, valueQuote + 1), fields: Object.keys(fields).map((key) => [key, fields[key]] as const), lastKey }
}

/** Text a JSON string literal holds as it is: no quote, escape or control character. */
function isPlainText(text: string): boolean {
  return !text.includes('"') && !text.includes("\\") && !CONTROL.test(text)
}

/** Whether a parsed chunk is one a template is learned from: one choice, whose delta has text. */
export function hasOneTextChoice(parsed: unknown): boolean {
  const choice = onlyChoice(parsed)
  const delta = choice === undefined ? undefined : objectAt(choice, "delta")
  // Empty text is the role chunk's: the lines after it seldom repeat its bytes.
  return delta !== undefined && typeof delta["content"] === "string" && delta["content"] !== ""
}

/** The line parsed, exactly as JSON.parse would; undefined when it does not fit the template. */
export function readChunkLine(template: ChunkLineTemplate, line: string): unknown {
  if (!startsWithAt(line, template.prefix, 0)) return undefined
  const textStart = template.prefix.length
  const textEnd = line.indexOf('"', textStart)
  if (textEnd === -1) return undefined
  const text = line.slice(textStart, textEnd)
  if (text.includes("\\")) {
    const escapedEnd = closingQuote(line, textStart)
    if (escapedEnd === undefined) return undefined
    const literal = line.slice(textStart - 1, escapedEnd + 1)
    if (CONTROL.test(literal)) return undefined
    const decoded = parseOrUndefined(literal)
    if (typeof decoded !== "string") return undefined
    return assemble(template, decoded, line, escapedEnd)
  }
  if (CONTROL.test(text)) return undefined
  return assemble(template, text, line, textEnd)
}

function assemble(template: ChunkLineTemplate, text: string, line: string, textEnd: number): unknown {
  if (!startsWithAt(line, template.middle, textEnd)) return undefined
  const restStart = textEnd + template.middle.length
  const value: Record<string, unknown> = { ...template.head, choices: [{ ...template.choice, delta: { ...template.delta, content: text } }] }
  if (line.length === restStart + 1 && line.endsWith("}")) return value
  const tail = template.tail
  const lastStart = restStart + (tail?.prefix.length ?? 0)
  // The value's closing quote must come after its opening one (`"key":"}` is not a value).
  if (tail !== undefined && line.length - 2 >= lastStart && startsWithAt(line, tail.prefix, restStart) && line.endsWith('"}')) {
    const last = line.slice(lastStart, line.length - 2)
    if (isPlainText(last)) {
      for (const [key, field] of tail.fields) setField(value, key, field)
      setField(value, tail.lastKey, last)
      return value
    }
  }
  // After the comma a field must follow: `],}` is not JSON, though `{}` is.
  if (line.charCodeAt(restStart) !== 44 /* , */ || /^\s*\}/.test(line.slice(restStart + 1))) return undefined
  const rest = parseOrUndefined(`{${line.slice(restStart + 1)}`)
  if (typeof rest !== "object" || rest === null || Array.isArray(rest)) return undefined
  for (const key of Object.keys(rest)) setField(value, key, Reflect.get(rest, key))
  return value
}

/** `line.startsWith(part, at)`, as a compare of a slice: V8's startsWith walks a long part a character at a time (half the time of a read). */
function startsWithAt(line: string, part: string, at: number): boolean {
  return line.slice(at, at + part.length) === part
}

/** Later keys win, in their first place, as in JSON.parse; "__proto__" stays data. Plain assignment keeps the object's fast shape. */
function setField(value: Record<string, unknown>, key: string, field: unknown): void {
  if (key === "__proto__") Object.defineProperty(value, key, { value: field, enumerable: true, writable: true, configurable: true })
  else value[key] = field
}

/**
 * The template for a text slot, when the slot is the only choice's delta content: the
 * line's head (everything before the fields after `choices`) parsed with the slot empty and
 * with other text must differ in that field alone. Every other value must be a string,
 * number, boolean or null, so no two reads share an object.
 */
function templateOf(prefix: string, middle: string): ChunkLineTemplate | undefined {
  const head = parseOrUndefined(`${prefix}${middle}}`)
  const choice = onlyChoice(head)
  const delta = choice === undefined ? undefined : objectAt(choice, "delta")
  if (!isRecord(head) || choice === undefined || delta === undefined || delta["content"] !== "") return undefined
  if (!onlyScalars(head, "choices") || !onlyScalars(choice, "delta") || !onlyScalars(delta)) return undefined
  const template = { prefix, middle, head: { ...head }, choice, delta }
  const slot = "slot probe"
  const expected = { ...head, choices: [{ ...choice, delta: { ...delta, content: slot } }] }
  return sameJson(expected, parseOrUndefined(`${prefix}${slot}${middle}}`)) ? template : undefined
}

/** Whether every value of an object but `except`'s is a string, number, boolean or null. */
function onlyScalars(value: Record<string, unknown>, except?: string): boolean {
  for (const key of Object.keys(value)) {
    const field = value[key]
    if (key !== except && field !== null && typeof field === "object") return false
  }
  return true
}

/** The index of the quote that ends the string literal whose text starts at `start`. */
function closingQuote(line: string, start: number): number | undefined {
  for (let i = start; i < line.length; i++) {
    const code = line.charCodeAt(i)
    if (code === 92 /* \ */) i++
    else if (code === 34 /* " */) return i
  }
  return undefined
}

function onlyChoice(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== "object" || value === null) return undefined
  const choices: unknown = Reflect.get(value, "choices")
  if (!Array.isArray(choices) || choices.length !== 1) return undefined
  const [choice]: unknown[] = choices
  return isRecord(choice) ? choice : undefined
}

function objectAt(value: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const found = value[key]
  return isRecord(found) ? found : undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** Same JSON value, key order included (the order reaches the client through extension fields). */
function sameJson(a: unknown, b: unknown): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b)
}
