import type { ChatCall, CompletionCall } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { countTokens } from "gpt-tokenizer"
import { estimateChatTokens, estimateCompletionTokens, estimateEmbedTokens, outputTokenCounter, responsesTokenCounter } from "./estimate-tokens.ts"

const chat = (content: string, opts: Partial<ChatCall["opts"]> = {}): ChatCall => ({
  input: { messages: [{ role: "user", content }] },
  opts: { model: "m", ...opts },
  stream: false,
  includeUsage: false,
})

const completion = (fields: CompletionCall["fields"]): CompletionCall => ({ model: "m", fields, stream: false, includeUsage: false })

describe("text completion estimates", () => {
  it("counts every prompt form and the suffix, and OpenAI's default max_tokens of 16 when none is asked", () => {
    // "Hello world" is 2 tokens in o200k_base; a token array counts its ids; no prompt is the one <|endoftext|>.
    expect(estimateCompletionTokens(completion({ prompt: "Hello world" }), 1_024)).toEqual({ prompt: 2, completion: 16, interruptedCompletion: 16 })
    expect(estimateCompletionTokens(completion({ prompt: [1212, 318, 257], suffix: "Hello world" }), 1_024)).toEqual({ prompt: 5, completion: 16, interruptedCompletion: 16 })
    expect(estimateCompletionTokens(completion({ prompt: null }), 1_024)).toEqual({ prompt: 1, completion: 16, interruptedCompletion: 16 })
  })

  it("asks for max_tokens for each of max(n, best_of) choices of every prompt; a crash bills at most the default per choice", () => {
    expect(estimateCompletionTokens(completion({ prompt: ["Hello world", "Hello world"], n: 2, best_of: 3, max_tokens: 2_000 }), 1_024)).toEqual({ prompt: 4, completion: 2 * 3 * 2_000, interruptedCompletion: 2 * 3 * 1_024 })
    expect(estimateCompletionTokens(completion({ prompt: [[1, 2], [3]], max_tokens: 5 }), 1_024)).toEqual({ prompt: 3, completion: 10, interruptedCompletion: 10 })
  })
})

describe("token estimates", () => {
  it("counts the prompt with the o200k tokenizer plus the completion asked for", () => {
    // "Hello world" is 2 tokens in o200k_base ("Hello", " world"); "user" is 1; 4 per message.
    expect(estimateChatTokens(chat("Hello world"), 100)).toEqual({ prompt: 4 + 1 + 2, completion: 100, interruptedCompletion: 100 })
    expect(estimateChatTokens(chat("Hello world", { maxTokens: 7 }), 100)).toEqual({ prompt: 7, completion: 7, interruptedCompletion: 7 })
    expect(estimateChatTokens(chat("Hello world", { maxTokens: 7, maxCompletionTokens: 9 }), 100)).toEqual({ prompt: 7, completion: 9, interruptedCompletion: 9 })
  })

  it("bills an interrupted call at most the default completion per choice, whatever max_tokens the client set", () => {
    // A crash leaves no usage: the client's own max_tokens (any integer) must not make the row a fortune, or unstorable.
    expect(estimateChatTokens(chat("Hello world", { maxTokens: 2_000_000_000 }), 1_024)).toEqual({ prompt: 7, completion: 2_000_000_000, interruptedCompletion: 1_024 })
    expect(estimateChatTokens(chat("Hello world", { n: 4, maxCompletionTokens: 5_000 }), 1_024)).toMatchObject({ interruptedCompletion: 4 * 1_024 })
  })

  it("counts an image as an attachment, not its base64 text", () => {
    const image: ChatCall = { ...chat(""), input: { messages: [{ role: "user", content: [{ type: "image", url: `data:image/png;base64,${"A".repeat(100_000)}` }] }] } }
    expect(estimateChatTokens(image, 0).prompt).toBeLessThan(100)
  })

  it("counts embedding inputs, token arrays by their length", () => {
    expect(estimateEmbedTokens({ input: "Hello world", opts: { model: "e" }, encodingFormat: "float" })).toBe(2)
    expect(estimateEmbedTokens({ input: ["Hello world", "Hello"], opts: { model: "e" }, encodingFormat: "float" })).toBe(3)
    expect(estimateEmbedTokens({ input: [[1, 2, 3], [4]], opts: { model: "e" }, encodingFormat: "float" })).toBe(4)
    expect(estimateEmbedTokens({ input: [1, 2, 3], opts: { model: "e" }, encodingFormat: "float" })).toBe(3)
  })

  it("estimates a huge or pathological prompt from its length instead of tokenizing it all (the tokenizer is quadratic on long runs without separators)", () => {
    // 200,000 'x' took 39 s in the tokenizer; 11 MB would hold a worker for hours.
    const huge = "x".repeat(11 * 1000 * 1000)
    const { prompt } = estimateChatTokens(chat(huge), 0)
    expect(prompt).toBeGreaterThan(huge.length / 8)
    expect(prompt).toBeLessThan(huge.length / 2)
    const embed = estimateEmbedTokens({ input: [huge, "Hello world"], opts: { model: "e" }, encodingFormat: "float" })
    expect(embed).toBeGreaterThan(huge.length / 8)
    // Ordinary text still gets the real count.
    expect(estimateChatTokens(chat("Hello world"), 0).prompt).toBe(7)
  })

  it("asks for n completions: the completion estimate is n times the one asked for", () => {
    expect(estimateChatTokens(chat("Hello world", { n: 128, maxTokens: 100 }), 1_024)).toEqual({ prompt: 7, completion: 12_800, interruptedCompletion: 12_800 })
    expect(estimateChatTokens(chat("Hello world", { n: 3 }), 1_024)).toEqual({ prompt: 7, completion: 3_072, interruptedCompletion: 3_072 })
    expect(estimateChatTokens(chat("Hello world", { n: 1, maxCompletionTokens: 5 }), 1_024).completion).toBe(5)
  })

  it("counts streamed output with the tokenizer, exactly while short", () => {
    const counter = outputTokenCounter()
    for (const piece of ["Hello", " world", ", how are", " you?"]) counter.add(piece)
    expect(counter.tokens()).toBe(countTokens("Hello world, how are you?"))
    expect(outputTokenCounter().tokens()).toBe(0)
  })

  it("counts a long stream's output from a bounded sample, scaled to its length (570,000 deltas stay cheap and close)", () => {
    const counter = outputTokenCounter()
    const piece = "the quick brown fox jumps over the lazy dog "
    for (let i = 0; i < 570_000; i++) counter.add(piece)
    // The pieces' joins tokenize differently from a piece alone: the rate is measured on joined text.
    const exact = (countTokens(piece.repeat(1_000)) / 1_000) * 570_000
    // Cheap by construction (only the first TOKENIZED_CHARS characters are tokenized), so no clock is read here.
    const tokens = counter.tokens()
    expect(tokens).toBeGreaterThan(exact * 0.95)
    expect(tokens).toBeLessThan(exact * 1.05)
  })
})

describe("the Responses conversation counter (truncation: auto)", () => {
  it("counts an item as the chat estimate counts the message it becomes, and instructions and tools as what is always sent", () => {
    const counter = responsesTokenCounter()
    expect(counter.item({ role: "user", content: "Hello world" })).toBe(estimateChatTokens(chat("Hello world"), 0).prompt)
    // "Hello world" as a system message (4 + "system" 1 + 2), and a tool's strings.
    expect(counter.fixed({ instructions: "Hello world", tools: [] })).toBe(7)
    expect(counter.fixed({ instructions: undefined, tools: [{ name: "lookup", parameters: {} }] })).toBe(countTokens("lookup"))
    expect(counter.fixed({ instructions: undefined, tools: [] })).toBe(0)
  })

  it("stays bounded for one request's whole history: past the tokenized budget, text counts by length (about 4 characters a token)", () => {
    const counter = responsesTokenCounter()
    const long = "x".repeat(1_000_000)
    const first = counter.item({ role: "user", content: long })
    const second = counter.item({ type: "function_call_output", call_id: "c", output: long })
    expect(first).toBeGreaterThan(0)
    expect(second).toBeGreaterThanOrEqual(1_000_000 / 4)
  })
})
