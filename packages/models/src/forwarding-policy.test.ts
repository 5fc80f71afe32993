import { decodeChatRequest } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import { capturedRequests } from "../../translate/test/captured-requests.ts"
import { forwardedFields } from "./forwarding-policy.ts"

describe("forwardedFields", () => {
  it("forwards the official passthrough fields and refuses router and extension fields by default, naming them", () => {
    expect(forwardedFields({ logit_bias: { "1": 2 }, prompt_cache_key: "k", safety_identifier: "s" }, new Set(), "m")).toEqual({
      ok: true,
      fields: { logit_bias: { "1": 2 }, prompt_cache_key: "k", safety_identifier: "s" },
    })
    for (const field of ["models", "provider", "route", "plugins", "transforms", "best_of", "extra_body", "top_k"]) {
      expect(forwardedFields({ [field]: ["x"] }, new Set(), "m")).toMatchObject({ ok: false, error: { _tag: "InvalidRequest", param: field, code: "unsupported_parameter" } })
    }
  })

  it("forwards service_tier and store only where the model allows them; their default values are accepted and not sent", () => {
    expect(forwardedFields({ service_tier: "priority" }, new Set(), "m")).toMatchObject({ ok: false, error: { param: "service_tier" } })
    expect(forwardedFields({ store: true }, new Set(), "m")).toMatchObject({ ok: false, error: { param: "store" } })
    expect(forwardedFields({ store: false, service_tier: "auto", top_k: null }, new Set(), "m")).toEqual({ ok: true, fields: {} })
    expect(forwardedFields({ service_tier: "priority", store: true, top_k: 5 }, new Set(["service_tier", "store", "top_k"]), "m")).toEqual({
      ok: true,
      fields: { service_tier: "priority", store: true, top_k: 5 },
    })
  })

  it("keeps a field named __proto__ as data", () => {
    const passthrough = JSON.parse('{"__proto__": {"polluted": true}}')
    const result = forwardedFields(passthrough, new Set(["__proto__"]), "m")
    expect(result.ok && Object.keys(result.fields)).toEqual(["__proto__"])
    expect(Reflect.get({}, "polluted")).toBeUndefined()
  })

  it("refuses nothing that a supported client sends by default (every captured chat request of the real clients)", () => {
    const captured = capturedRequests("/v1/chat/completions")
    expect(captured.length).toBeGreaterThan(300)
    let decodedCount = 0
    const refused = captured.flatMap(({ file, body }) => {
      const decoded = decodeChatRequest(body)
      if (!decoded.ok) return [] // refused for other reasons, checked by the decoder's own tests
      decodedCount++
      const forwarded = forwardedFields(decoded.value.opts.passthrough ?? {}, new Set(), "m")
      return forwarded.ok ? [] : [`${file}: ${forwarded.error._tag === "InvalidRequest" ? forwarded.error.param : ""}`]
    })
    expect(refused).toEqual([])
    expect(decodedCount).toBe(captured.length)
  })
})
