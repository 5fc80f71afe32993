/**
 * Throughput of the translate core on one core: prints operations per second.
 * Run: pnpm bench:translate   (a script that prints figures, not a timed test)
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { decodeChatRequest } from "../src/chat/decode-chat-request.ts"
import { decodeStreamEvent, initialStreamDecoderState } from "../src/chat/stream-decoder.ts"
import { encodeStreamEvent, initialStreamEncoderState } from "../src/chat/stream-encoder.ts"
import { toChatCompletion } from "../src/chat/to-chat-completion.ts"
import { encodeSseData } from "../src/sse/encode-sse.ts"
import { recordedChunks, recordedLines } from "../test/recorded-stream.ts"
import { capturesDir } from "../test/shared-dir.ts"

const seconds = Number(process.env["BENCH_SECONDS"] ?? "1.5")

function measure(name: string, unit: string, perCall: number, run: () => void): number {
  for (let i = 0; i < 20_000; i++) run() // warm up the JIT
  let calls = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < seconds * 1000) {
    for (let i = 0; i < 1_000; i++) run()
    calls += 1_000
    elapsed = performance.now() - start
  }
  const rate = (calls * perCall) / (elapsed / 1000)
  console.log(`${name.padEnd(58)} ${Math.round(rate).toLocaleString("en-US").padStart(12)} ${unit}/s`)
  return rate
}

// A typical request: system + user + assistant tool call + tool result, with a tool (a real LangChain capture).
const capture: { requests: { body: unknown }[] } = JSON.parse(readFileSync(join(capturesDir, "langchain-tool-roundtrip.json"), "utf8"))
const requestBody = capture.requests.at(-1)?.body
const requestJson = JSON.stringify(requestBody)

// A real upstream stream: the recorded OpenAI text stream (302 chunks).
const upstreamLines = recordedLines("openai-text")
const internalChunks = recordedChunks("openai-text")
const result = { content: internalChunks.map((c) => c.deltaContent ?? "").join(""), finishReason: "stop" as const, rawFinishReason: "stop", usage: { promptTokens: 16, completionTokens: 300, totalTokens: 316 } }
const identity = { id: "chatcmpl-bench", created: 1_770_000_000, model: "gpt-4.1-nano" }

console.log(`translate benchmark, node ${process.version}, ${seconds}s per figure`)
measure("decode chat request (parsed JSON -> ChatCall)", "requests", 1, () => void decodeChatRequest(requestBody))
measure("decode chat request (JSON text -> ChatCall)", "requests", 1, () => void decodeChatRequest(JSON.parse(requestJson)))
measure("encode completion (GenerateResult -> OpenAI object)", "completions", 1, () => void toChatCompletion(result, identity))
measure("encode completion (GenerateResult -> JSON text)", "completions", 1, () => void JSON.stringify(toChatCompletion(result, identity)))

const midStream = internalChunks.filter((c) => c.deltaContent !== undefined)
let encoder = encodeStreamEvent(initialStreamEncoderState(identity, true), { type: "chunk", chunk: midStream[0] ?? {} })[0]
let i = 0
const toOpenAI = measure("stream internal -> OpenAI chunk (reducer)", "chunks", 1, () => {
  encoder = encodeStreamEvent(encoder, { type: "chunk", chunk: midStream[i++ % midStream.length] ?? {} })[0]
})
measure("stream internal -> OpenAI chunk -> SSE bytes", "chunks", 1, () => {
  const [next, outputs] = encodeStreamEvent(encoder, { type: "chunk", chunk: midStream[i++ % midStream.length] ?? {} })
  encoder = next
  for (const output of outputs) if (output.type === "chunk") encodeSseData(output.chunk)
})

const contentLines = upstreamLines.filter((l) => l.includes('"content"'))
let decoder = initialStreamDecoderState()
const fromUpstream = measure("stream upstream SSE data -> internal chunk (JSON.parse + reducer)", "chunks", 1, () => {
  decoder = decodeStreamEvent(decoder, { type: "data", data: contentLines[i++ % contentLines.length] ?? "" })[0]
})
const parsedLines: unknown[] = contentLines.map((l) => JSON.parse(l))
measure("  of which JSON.parse alone", "chunks", 1, () => void JSON.parse(contentLines[i++ % contentLines.length] ?? ""))
const fromParsed = measure("stream upstream parsed chunk -> internal chunk (reducer)", "chunks", 1, () => {
  decoder = decodeStreamEvent(decoder, { type: "json", value: parsedLines[i++ % parsedLines.length] })[0]
})

const target = 1_000_000
console.log(`\ntarget: >= ${target.toLocaleString("en-US")} chunk translations/s each way on one core`)
console.log(`internal -> OpenAI: ${verdict(toOpenAI)}; upstream -> internal: ${verdict(fromParsed)} (with JSON.parse of ~330-byte chunks: ${verdict(fromUpstream)})`)

function verdict(rate: number): string {
  return rate >= target ? "met" : "missed"
}
