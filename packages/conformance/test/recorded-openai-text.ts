import { readFileSync } from "node:fs"
import { join } from "node:path"
import { recordedLines } from "../../translate/test/recorded-stream.ts"
import { recordedDir } from "../../translate/test/shared-dir.ts"

/**
 * What the recorded OpenAI answers say (shared/fixtures/recorded/openai-compatible), read
 * by the tests of the upstreams that replay those words in another protocol (Ollama's).
 */
const recorded = (name: string) => readFileSync(join(recordedDir, name), "utf8")

/** The text of openai-text.json. */
export const recordedText: string = JSON.parse(recorded("openai-text.json")).choices[0].message.content
/** The text of openai-text.chunks.txt, its deltas joined. */
export const recordedStreamText: string = recordedLines("openai-text")
  .map((line) => JSON.parse(line).choices[0]?.delta?.content ?? "")
  .join("")
/** The arguments of deepseek-tool-call.json's tool call. */
export const recordedWeatherArgs: string = JSON.parse(recorded("deepseek-tool-call.json")).choices[0].message.tool_calls[0].function.arguments
