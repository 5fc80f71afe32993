import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { redactForClient } from "./redact-for-client.ts"
import { redactSecrets } from "./redact-secrets.ts"

describe("redactForClient", () => {
  it("removes every leaked credential, host and private address the attacker's upstream sent", () => {
    for (const text of [
      "Incorrect API key provided: sk-proj-abcdefgh12345678.",
      "connect ECONNREFUSED 10.0.12.7:443",
      "upstream internal-lb-7.corp.example timed out",
      "proxy at http://admin:s3cr3t@gateway.internal:3128 refused",
      "Authorization: Basic YWRtaW46aHVudGVyMg== was rejected",
      "token ghp_0123456789abcdefghij0123456789abcd expired",
      "AWS AKIAIOSFODNN7EXAMPLE with secret_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY denied",
      'db said {"password": "hunter2-db-password"}',
      "listening on [fd00::1:2:3]:80 and vault.svc.cluster.local",
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
    ]) {
      const out = redactForClient(text)
      for (const leak of ["sk-proj", "10.0.12.7", "internal-lb", "s3cr3t", "gateway.internal", "YWRtaW46", "ghp_", "AKIA", "wJalrXUt", "hunter2", "fd00", "vault.svc", "MIIEpA"]) {
        expect([text, out.includes(leak)]).toEqual([text, false])
      }
    }
  })

  it("keeps what a provider writes for API clients: parameter paths, model names, numbers and its public documentation links", () => {
    for (const text of [
      "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
      "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens.",
      "Invalid value for 'response_format.type': expected one of 'text', 'json_object'.",
      "Invalid type for 'messages[0].content': expected a string.",
      "'tools[0].function.name' is required.",
      "The model `gpt-4.1-mini` does not exist or you do not have access to it.",
      "You exceeded your current quota. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
      "Rate limit reached for claude-3.5-sonnet in organization org-abc on tokens per min (TPM): Limit 30000, Used 29000.",
    ]) {
      expect(redactForClient(text)).toBe(text)
    }
  })

  it("is total and idempotent on any text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        const once = redactForClient(text)
        expect(redactForClient(once)).toBe(once)
        expect(redactSecrets(redactSecrets(text))).toBe(redactSecrets(text))
      }),
      { numRuns: 200 },
    )
  })

  it("removes a generated key of every provider's shape wherever it stands in generated text", () => {
    const body = (alphabet: string, min: number) => fc.string({ unit: fc.constantFrom(...alphabet), minLength: min, maxLength: min + 20 })
    const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    const secret = fc.oneof(
      body(alnum, 20).map((s) => `sk-${s}`),
      body(alnum, 20).map((s) => `sk-ant-api03-${s}`),
      body(alnum, 36).map((s) => `ghp_${s}`),
      body("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16).map((s) => `AKIA${s}`),
      body(alnum, 35).map((s) => `AIza${s}`),
    )
    const words = fc.array(fc.constantFrom("the", "key", "upstream", "failed:", "(", ")", ",", "at", "'", "\n"), { maxLength: 6 }).map((w) => w.join(" "))
    fc.assert(
      fc.property(words, secret, words, (before, key, after) => {
        expect(redactForClient(`${before} ${key} ${after}`)).not.toContain(key)
      }),
      { numRuns: 500 },
    )
  })
})
