import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startHarper, type HarperInstance } from "../dev/harper-process.ts"
import { startReplayUpstream, type ReplayUpstream } from "./replay-upstream.ts"
import { Schema } from "effect"

const decodeRows = Schema.decodeUnknownSync(Schema.Array(Schema.Record(Schema.String, Schema.Unknown)))

export const ADMIN = { username: "admin", password: "admin-pw-for-tests" }
export const UPSTREAM_KEY = "sk-upstream-SECRET-0123456789abcdef"
/** A model's `routing` for tests of what one upstream failure becomes: one attempt, and no cooldown turning later ones into 503s. */
export const SINGLE_ATTEMPT = { retries: { max: 0 }, cooldown: { enabled: false } }

export interface GatewayFixture {
  readonly harper: HarperInstance
  readonly upstream: ReplayUpstream
  readonly basic: string
  operation(body: Record<string, unknown>, authorization?: string): Promise<{ status: number; body: unknown }>
  sql(query: string): Promise<readonly Record<string, unknown>[]>
  close(): Promise<void>
}

/** A real Harper with the plugin on free loopback ports, its openai backend pointed at the replay upstream. */
export async function startGatewayFixture(
  recordedDir: string,
  extraModels: (openai: (model: string) => Record<string, unknown>) => Record<string, unknown> = () => ({}),
  extraEnv: Readonly<Record<string, string>> = {},
  extraEmbeddingModels: (openai: (model: string) => Record<string, unknown>) => Record<string, unknown> = () => ({}),
): Promise<GatewayFixture> {
  const upstream = await startReplayUpstream(recordedDir)
  const root = mkdtempSync(join(tmpdir(), "harper-gateway-test-"))
  const openai = (model: string) => ({ backend: "openai", baseUrl: "${TEST_UPSTREAM_URL}/v1", apiKey: "${TEST_UPSTREAM_KEY}", model })
  const harper = await startHarper({
    root,
    admin: ADMIN,
    env: { ...extraEnv, TEST_UPSTREAM_URL: upstream.url, TEST_UPSTREAM_KEY: UPSTREAM_KEY },
    gatewayConfig: {
      models: {
        generative: {
          "gpt-4.1-nano": openai("openai-text"),
          "deepseek-tools": openai("deepseek-tool-call"),
          "xai-tools": openai("xai-tool-call"),
          "deepseek-reasoner": openai("deepseek-reasoning"),
          slow: openai("slow-deepseek-text"),
          "slow-json": openai("slow-openai-text"),
          stalls: { ...openai("stall-openai-text"), timeouts: { idleMs: 300 } },
          cuts: openai("cut-openai-text"),
          // One failure as the client sees it: no retries, no cooldown (routing.integration.test.ts tests those).
          limited: { ...openai("fault-429"), routing: SINGLE_ATTEMPT },
          broken: { ...openai("fault-500"), routing: SINGLE_ATTEMPT },
          echo: { backend: "echo" },
          ...extraModels(openai),
        },
        embedding: { "text-embedding-3-small": openai("text-embedding-3-small"), "slow-embedding": openai("slow-embedding"), ...extraEmbeddingModels(openai) },
      },
      auth: { roles: ["gateway_user"] },
      accounting: { flushIntervalMs: 100 },
    },
  })
  const basic = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString("base64")}`
  const operation = async (request: Record<string, unknown>, authorization = basic) => {
    const response = await fetch(harper.operationsUrl, { method: "POST", headers: { authorization, "content-type": "application/json" }, body: JSON.stringify(request) })
    const body: unknown = await response.json()
    return { status: response.status, body }
  }
  return {
    harper,
    upstream,
    basic,
    operation,
    async sql(query) {
      const { body } = await operation({ operation: "sql", sql: query })
      return decodeRows(body)
    },
    async close() {
      await harper.stop()
      await upstream.close()
      rmSync(root, { recursive: true, force: true })
    },
  }
}
