import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { usage as usageArbitrary } from "../../test/arbitraries.ts"
import { specValidator } from "../../test/openapi-validator.ts"
import { Usage } from "../wire/usage.ts"
import { Schema } from "effect"
import { usageFromGroq, usageFromOpenAI, usageToOpenAI } from "./map-usage.ts"

const decode = Schema.decodeUnknownSync(Usage)
const validateResponse = specValidator("CreateChatCompletionResponse")

describe("usage both ways (issue 10 §2)", () => {
  it("keeps every official detail field, as the upstream sent it, and the raw object beside it", () => {
    const wire = {
      prompt_tokens: 1117,
      completion_tokens: 46,
      total_tokens: 1163,
      prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 10, audio_tokens: 0, accepted_prediction_tokens: 3, rejected_prediction_tokens: 2 },
    }
    const usage = usageFromOpenAI(decode(wire))
    expect(usage).toEqual({
      promptTokens: 1117,
      completionTokens: 46,
      totalTokens: 1163,
      cachedTokens: 1024,
      promptAudioTokens: 0,
      reasoningTokens: 10,
      completionAudioTokens: 0,
      acceptedPredictionTokens: 3,
      rejectedPredictionTokens: 2,
      raw: wire,
    })
    expect(usageToOpenAI(usage)).toEqual(wire)
  })

  it("reads DeepSeek's cache hit/miss spelling into the same fields", () => {
    const wire = { prompt_tokens: 339, completion_tokens: 92, total_tokens: 431, prompt_cache_hit_tokens: 320, prompt_cache_miss_tokens: 19 }
    expect(usageFromOpenAI(decode(wire))).toEqual({ promptTokens: 339, completionTokens: 92, totalTokens: 431, cachedTokens: 320, cacheMissTokens: 19, raw: wire, extensions: { prompt_cache_hit_tokens: 320, prompt_cache_miss_tokens: 19 } })
  })

  it("reads Moonshot's root-level cached_tokens", () => {
    const wire = { prompt_tokens: 100, completion_tokens: 5, total_tokens: 105, cached_tokens: 64 }
    expect(usageFromOpenAI(decode(wire))).toMatchObject({ cachedTokens: 64 })
  })

  it("reads xAI's extra counters", () => {
    const wire = {
      prompt_tokens: 37,
      completion_tokens: 530,
      total_tokens: 800,
      prompt_tokens_details: { text_tokens: 37, audio_tokens: 0, image_tokens: 0, cached_tokens: 8 },
      completion_tokens_details: { reasoning_tokens: 233, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      num_sources_used: 0,
    }
    const usage = usageFromOpenAI(decode(wire))
    expect(usage).toMatchObject({ promptTextTokens: 37, promptImageTokens: 0, cachedTokens: 8, reasoningTokens: 233, sourcesUsed: 0, totalTokens: 800 })
    // The total stays the upstream's: xAI counts reasoning outside prompt + completion.
    expect(usageToOpenAI(usage).total_tokens).toBe(800)
  })

  it("keeps null counts unknown, never an invented 0, in the internal form", () => {
    const wire = { prompt_tokens: 5, completion_tokens: null, total_tokens: null, prompt_tokens_details: null, completion_tokens_details: { reasoning_tokens: null } }
    const usage = usageFromOpenAI(decode(wire))
    expect(usage).toEqual({ promptTokens: 5, raw: wire })
  })

  it("passes provider usage fields on to an OpenAI client, beside the official details they map to, spec-valid", () => {
    const groq = { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25, queue_time: 0.01, prompt_time: 0.002, completion_time: 0.03, total_time: 0.042 }
    const deepseek = { prompt_tokens: 339, completion_tokens: 92, total_tokens: 431, prompt_cache_hit_tokens: 320, prompt_cache_miss_tokens: 19 }
    const xai = { prompt_tokens: 37, completion_tokens: 530, total_tokens: 800, num_sources_used: 2, cost_in_usd_ticks: 158_000 }
    const moonshot = { prompt_tokens: 100, completion_tokens: 5, total_tokens: 105, cached_tokens: 64 }
    expect(usageToOpenAI(usageFromGroq(decode(groq)))).toEqual(groq)
    expect(usageToOpenAI(usageFromOpenAI(decode(deepseek)))).toEqual({ ...deepseek, prompt_tokens_details: { cached_tokens: 320 } })
    expect(usageToOpenAI(usageFromOpenAI(decode(xai)))).toEqual(xai)
    expect(usageToOpenAI(usageFromOpenAI(decode(moonshot)))).toEqual({ ...moonshot, prompt_tokens_details: { cached_tokens: 64 } })
    for (const wire of [groq, deepseek, xai, moonshot]) {
      const usage = usageToOpenAI(usageFromOpenAI(decode(wire)))
      expect(validateResponse({ id: "x", object: "chat.completion", created: 1, model: "m", choices: [], usage })).toEqual([])
    }
  })

  it("passes no untrusted count, official or provider's, and no nested structure", () => {
    const wire = { prompt_tokens: -5, completion_tokens: 2, total_tokens: 7, prompt_cache_hit_tokens: 1e20, queue_time: 0.5, debug: { trace: [1, 2] } }
    const out = usageToOpenAI(usageFromOpenAI(decode(wire)))
    expect(out).toEqual({ prompt_tokens: 0, completion_tokens: 2, total_tokens: 2, queue_time: 0.5 })
  })

  it("an official field is the gateway's even when a provider object names it too", () => {
    const usage = usageToOpenAI({ promptTokens: 3, completionTokens: 1, extensions: { prompt_tokens: 999, prompt_tokens_details: 5, queue_time: 1 } })
    expect(usage).toEqual({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4, queue_time: 1 })
  })

  it("round-trips every detail and always emits valid spec usage", () => {
    fc.assert(
      fc.property(usageArbitrary, (usage) => {
        const wire = JSON.parse(JSON.stringify(usageToOpenAI(usage)))
        const completion = { id: "x", object: "chat.completion", created: 1, model: "m", choices: [], usage: wire }
        expect(validateResponse(completion)).toEqual([])
        const { raw, ...unified } = usageFromOpenAI(decode(wire))
        expect(unified).toEqual(usage)
        expect(raw).toEqual(wire)
      }),
      { numRuns: 300 },
    )
  })
})
