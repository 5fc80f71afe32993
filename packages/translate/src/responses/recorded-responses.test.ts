import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { recordedResponsesDir } from "../../test/shared-dir.ts"
import { ErrorBody } from "../wire/error-body.ts"
import { ResponseEventIn, ResponseObjectIn } from "../wire/responses-in.ts"
import { foldedResponse, foldResponseEvents } from "./fold-response-events.ts"
import { usageFromResponses } from "./map-responses-usage.ts"

/** Real OpenAI and Azure Responses traffic (see ../shared/fixtures/recorded/README.md), read with the gateway's reader schemas. */
const names = readdirSync(recordedResponsesDir)
  .filter((name) => name.endsWith(".chunks.txt"))
  .map((name) => name.slice(0, -".chunks.txt".length))
const lines = (name: string) =>
  readFileSync(join(recordedResponsesDir, `${name}.chunks.txt`), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
const parses = (line: string): boolean => {
  try {
    JSON.parse(line)
    return true
  } catch {
    return false
  }
}
/** The recording of parallel-tool-call-wrapper has truncated lifecycle lines (response.created and response.completed lack their closing brace): skipped, and checked to be the only ones. */
const events = (name: string) =>
  lines(name)
    .filter(parses)
    .map((line) => Schema.decodeUnknownSync(ResponseEventIn)(JSON.parse(line)))

describe("recorded Responses traffic", () => {
  it("has the five recordings the README lists", () => {
    expect(names.sort()).toEqual(["azure-text.1", "openai-error.1", "openai-phase.1", "openai-reasoning-encrypted-content.1", "parallel-tool-call-wrapper.1"])
  })

  it.each(names)("%s: every event decodes, and the fold's items are the finished items", (name) => {
    const decoded = events(name)
    expect(decoded.length).toBeGreaterThan(2)
    const state = foldResponseEvents(decoded)
    const lastStart = decoded.map((event) => event.type).lastIndexOf("response.created")
    const finished = decoded.slice(Math.max(0, lastStart)).flatMap((event) => (event.type === "response.output_item.done" && event.item !== undefined ? [event.item] : []))
    expect([...state.items.entries()].sort((a, b) => a[0] - b[0]).map(([, item]) => item)).toEqual(finished)
    const lastLine = lines(name).at(-1) ?? ""
    const last: unknown = parses(lastLine) ? JSON.parse(lastLine) : { type: "response.completed" } // the truncated recording ends in one too
    expect(["response.completed", "response.failed", "response.incomplete"]).toContain(typeof last === "object" && last !== null && "type" in last ? last.type : undefined)
  })

  it("only the two truncated lifecycle lines of one recording are not JSON", () => {
    const broken = names.flatMap((name) =>
      lines(name)
        .filter((line) => !parses(line))
        .map((line) => `${name}:${line.slice(0, 30)}`),
    )
    expect(broken).toEqual(['parallel-tool-call-wrapper.1:{"type":"response.created","re', 'parallel-tool-call-wrapper.1:{"type":"response.completed","'])
  })

  it.each(names)("%s: the non-streamed body decodes as a Response or an error", (name) => {
    const body: unknown = JSON.parse(readFileSync(join(recordedResponsesDir, `${name}.json`), "utf8"))
    const asResponse = Schema.decodeUnknownResult(ResponseObjectIn)(body)
    const asError = Schema.decodeUnknownResult(ErrorBody)(body)
    expect(asResponse._tag === "Success" || asError._tag === "Success").toBe(true)
  })

  it("folds Azure's text stream to the output its response.completed carries", () => {
    const decoded = events("azure-text.1")
    const completed = decoded.find((event) => event.type === "response.completed")
    expect(foldedResponse(foldResponseEvents(decoded))?.output).toEqual(completed?.response?.output)
    expect(foldResponseEvents(decoded).outOfOrder).toBe(0)
  })

  it("reads usage with reasoning and cache details, keeping the raw object", () => {
    const body = Schema.decodeUnknownSync(ResponseObjectIn)(JSON.parse(readFileSync(join(recordedResponsesDir, "openai-phase.1.json"), "utf8")))
    const raw = body.usage ?? {}
    expect(usageFromResponses(raw)).toEqual({ promptTokens: 7243, completionTokens: 423, totalTokens: 7666, cachedTokens: 3072, reasoningTokens: 58, raw })
  })
})
