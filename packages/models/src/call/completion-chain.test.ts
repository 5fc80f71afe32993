import { GatewayFailure, type CompletionCall } from "@harper-gateway/translate"
import { describe, expect, it } from "vitest"
import type { ModelRoute } from "../backend-registry.ts"
import type { GenerativeBackend } from "../backend.ts"
import { createEchoBackend } from "../backends/echo-backend.ts"
import { DEFAULT_RETRIES, failureClass } from "../routing/retry-policy.ts"
import { routingOf } from "../routing/routing-of.ts"
import { completionChain, completionsOf } from "./completion-chain.ts"

const echo = createEchoBackend()
const withCompletions: GenerativeBackend = { ...echo, name: "openai", completions: { complete: async () => ({ content: "x", finishReason: "stop" }), async *completeStream() {} } }
const route = (name: string, backends: readonly GenerativeBackend[]): ModelRoute<GenerativeBackend> => {
  const deployments = backends.map((backend, index) => ({ label: String(index), upstreamModel: `${name}-${index}`, backend, weight: 1 }))
  const first = deployments[0]
  if (first === undefined) throw new Error("a route needs a deployment")
  return { kind: "generative", logicalName: name, upstreamModel: first.upstreamModel, backend: first.backend, extraFields: new Set(), routing: routingOf(deployments, undefined, { fallback: [] }) }
}
/** Even a model configured to fall back on every refusal it may fall back on. */
const fallbackOn = { contextLengthExceeded: true, contentFilter: true }
const call: CompletionCall = { model: "m", fields: { prompt: "p" }, stream: false, includeUsage: false }

describe("a text completion's chain", () => {
  it("refuses a model one of whose deployments has no text completions: a pool that mixed one in would refuse calls by chance", () => {
    expect(completionChain(call, route("mixed", [withCompletions, echo]), () => undefined)).toEqual({ ok: false, error: { _tag: "UnsupportedEndpoint", endpoint: "/v1/completions", model: "mixed" } })
    expect(completionChain(call, route("served", [withCompletions, withCompletions]), () => undefined).ok).toBe(true)
  })

  it("refuses an attempt on a deployment without them with the same reason, which ends the call without cooling anything", () => {
    const echoRoute = route("echo", [echo])
    const pool = echoRoute.routing?.pool
    if (pool === undefined) throw new Error("no pool")
    const attempt = { model: { logicalName: "echo", route: echoRoute, pool, retries: DEFAULT_RETRIES, fallbackOn, maxAttempts: 3 }, deployment: { label: "0", upstreamModel: "u", backend: echo, weight: 1 }, number: 1 }
    let thrown: unknown
    try {
      completionsOf(attempt)
    } catch (error) {
      thrown = error
    }
    const reason = GatewayFailure.reasonOf(thrown)
    expect(reason).toEqual({ _tag: "UnsupportedEndpoint", endpoint: "/v1/completions", model: "echo" })
    // "stop": no retry, no fallback, and the lease is released neutral (route-call.ts), so no cooldown.
    if (reason !== undefined) expect(failureClass(reason, fallbackOn)).toBe("stop")
  })
})
