/**
 * A local OpenAI-compatible upstream on 127.0.0.1 serving `/v1/completions` (as vLLM,
 * llama.cpp and Ollama's OpenAI API do), for the text-completion tests. Its answers are
 * OpenAI's own documented examples: the "No streaming" and "Streaming" examples of the
 * spec's paths./completions (x-oaiMeta), the logprobs object as CreateCompletionResponse
 * describes it, and the include_usage chunk (`choices: []`) that
 * ChatCompletionStreamOptions documents. Any other path is a 404.
 */
import { createServer } from "node:http"
import { listenOnLoopback } from "../../models/test/listen-loopback.ts"

export interface ReceivedCompletion {
  readonly path: string
  readonly body: Record<string, unknown>
}

export interface CompletionsUpstream {
  readonly url: string
  close(): Promise<void>
}

const specAnswer = {
  id: "cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7",
  object: "text_completion",
  created: 1589478378,
  model: "gpt-3.5-turbo-instruct",
  system_fingerprint: "fp_44709d6fcb",
  choices: [{ text: "\n\nThis is indeed a test", index: 0, logprobs: null, finish_reason: "length" }],
  usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
}
/** `logprobs: 1, echo: true`: the echoed prompt's first token has no logprob, as OpenAI sends it (the gateway leaves that position out: the spec's lists take no null). */
const logprobsAnswer = {
  ...specAnswer,
  choices: [{ text: "Say this is a test", index: 0, logprobs: { tokens: ["Say", " this"], token_logprobs: [null, -3.2], top_logprobs: [null, { " this": -3.2 }], text_offset: [0, 3] }, finish_reason: "stop" }],
}
const streamChunk = (text: string, finish: string | null) => ({
  id: "cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe",
  object: "text_completion",
  created: 1690759702,
  choices: [{ text, index: 0, logprobs: null, finish_reason: finish }],
  model: "gpt-3.5-turbo-instruct",
  system_fingerprint: "fp_44709d6fcb",
})
const usageChunk = { id: "cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe", object: "text_completion", created: 1690759702, model: "gpt-3.5-turbo-instruct", choices: [], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } }

/** Listens on a free loopback port; each request's path and JSON body is pushed to `received`. */
export function startCompletionsUpstream(received: ReceivedCompletion[]): Promise<CompletionsUpstream> {
  return listenOnLoopback(
    createServer((request, response) => {
      let text = ""
      request.on("data", (data: Buffer) => (text += data.toString()))
      request.on("end", () => {
        const body: Record<string, unknown> = JSON.parse(text)
        received.push({ path: request.url ?? "", body })
        if (request.url !== "/v1/completions") {
          response.writeHead(404).end()
          return
        }
        if (body["stream"] === true) {
          response.writeHead(200, { "content-type": "text/event-stream" })
          const chunks = [streamChunk("This", null), streamChunk(" is", null), streamChunk(" a", "length"), usageChunk]
          response.end(`${chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join("")}data: [DONE]\n\n`)
          return
        }
        response.writeHead(200, { "content-type": "application/json" })
        response.end(JSON.stringify(body["logprobs"] === undefined ? specAnswer : logprobsAnswer))
      })
    }),
  )
}
