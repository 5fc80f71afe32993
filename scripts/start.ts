/**
 * The README's start command: boots Harper with the gateway on 127.0.0.1:9926, data in
 * ./.harper-data. First run: creates the admin user and a first gateway key and keeps
 * them in .harper-data/credentials.json (readable only by you). Uses the `openai`
 * backend when OPENAI_BASE_URL is set (OPENAI_API_KEY, OPENAI_MODEL and
 * OPENAI_EMBEDDING_MODEL optional), else the `echo` development backend. Ctrl-C stops it.
 * GATEWAY_NODES=N (2 or more) starts N nodes instead, node i on 127.0.0.<i> with the same
 * ports, joined by Harper's replication, data and credentials in ./.harper-data/cluster.
 */
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { resolve } from "node:path"
import { startCluster, startHarper, type HarperInstance } from "../packages/harper-resources/dev/harper-process.ts"

const nodeCount = Number(process.env["GATEWAY_NODES"] ?? 1)
if (!Number.isInteger(nodeCount) || nodeCount < 1) {
  console.error(`GATEWAY_NODES must be a whole number of nodes, 1 or more (got ${process.env["GATEWAY_NODES"]})`)
  process.exit(1)
}
// A cluster is a separate installation: its own admin, keys and data, beside the single node's.
const root = resolve(import.meta.dirname, "..", ".harper-data", ...(nodeCount === 1 ? [] : ["cluster"]))
const credentialsPath = resolve(root, "credentials.json")
mkdirSync(root, { recursive: true })

interface Credentials {
  username: string
  password: string
  key?: string
}
const credentials: Credentials = existsSync(credentialsPath) ? JSON.parse(readFileSync(credentialsPath, "utf8")) : { username: "admin", password: randomBytes(18).toString("base64url") }
writeFileSync(credentialsPath, JSON.stringify(credentials, null, 2), { mode: 0o600 })

const upstream = process.env["OPENAI_BASE_URL"]
/** A `default` model on the OpenAI-compatible upstream; the plugin expands the ${ENV} placeholders. */
const openaiEntry = (model: string) => ({
  backend: "openai",
  baseUrl: "${OPENAI_BASE_URL}",
  ...(process.env["OPENAI_API_KEY"] ? { apiKey: "${OPENAI_API_KEY}" } : {}),
  model,
})
const gatewayConfig =
  upstream === undefined || upstream === ""
    ? {}
    : {
        models: {
          generative: { default: openaiEntry(process.env["OPENAI_MODEL"] ?? "gpt-4o-mini") },
          embedding: { default: openaiEntry(process.env["OPENAI_EMBEDDING_MODEL"] ?? "text-embedding-3-small") },
        },
      }

const options = {
  httpPort: Number(process.env["GATEWAY_PORT"] ?? 9926),
  operationsPort: Number(process.env["GATEWAY_OPERATIONS_PORT"] ?? 9925),
  admin: { username: credentials.username, password: credentials.password },
  gatewayConfig,
  threads: Number(process.env["GATEWAY_THREADS"] ?? 2),
}
console.log(`Starting ${nodeCount === 1 ? "Harper" : `${nodeCount} Harper nodes`} with the OpenAI gateway (${upstream ? `openai backend at ${upstream}` : "echo development backend: set OPENAI_BASE_URL for a real one"})…`)
let nodes: readonly HarperInstance[]
if (nodeCount === 1) {
  nodes = [await startHarper({ root, ...options })]
} else {
  const cluster = await startCluster({ root, nodes: nodeCount, ...options })
  await cluster.connected()
  nodes = cluster.nodes.map((node) => node.harper)
}
const [harper] = nodes
if (harper === undefined) throw new Error("no node started")

const basic = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`
if (credentials.key === undefined) {
  const response = await fetch(`${harper.url}/gateway/keys`, {
    method: "POST",
    headers: { authorization: basic, "content-type": "application/json" },
    // The admin's own key, for the admin's own tenant: a key never reads other tenants' usage, whoever its user is.
    body: JSON.stringify({ user: credentials.username, tenant: credentials.username, name: "the admin's own key" }),
  })
  const created: unknown = await response.json()
  if (response.status !== 201 || typeof created !== "object" || created === null || !("key" in created) || typeof created.key !== "string") {
    console.error("Could not create the first gateway key:", created)
    await Promise.all(nodes.map((node) => node.stop()))
    process.exit(1)
  }
  credentials.key = created.key
  writeFileSync(credentialsPath, JSON.stringify(credentials, null, 2), { mode: 0o600 })
}

const others = nodes.slice(1).map((node) => `  also at ${node.url}/v1   (Harper PID ${node.pid}; logs: ${node.logPath}; replicating with the others)\n`)
console.log(`
Gateway ready at ${harper.url}/v1   (Harper PID ${harper.pid}; logs: ${harper.logPath})
${others.join("")}Admin user: ${credentials.username} (password in ${credentialsPath})
Gateway key (the admin's own, tenant '${credentials.username}'): ${credentials.key}

  curl ${harper.url}/v1/chat/completions \\
    -H "Authorization: Bearer ${credentials.key}" -H "Content-Type: application/json" \\
    -d '{"model":"default","messages":[{"role":"user","content":"Hello"}]}'

  import OpenAI from "openai"
  const client = new OpenAI({ baseURL: "${harper.url}/v1", apiKey: "${credentials.key}" })
  const answer = await client.chat.completions.create({ model: "default", messages: [{ role: "user", content: "Hello" }] })

More keys: POST ${harper.url}/gateway/keys with Basic auth, body {"user":"<harper user>","tenant":"<tenant>"}.
Usage rows: SELECT * FROM gateway.hdb_model_calls (operations API at ${harper.operationsUrl}).
Press Ctrl-C to stop.`)

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  console.log("\nStopping Harper…")
  await Promise.all(nodes.map((node) => node.stop()))
  process.exit(0)
}
process.on("SIGINT", () => void stop())
process.on("SIGTERM", () => void stop())
for (const node of nodes) {
  node.process.once("exit", async (code) => {
    if (!stopping) {
      console.error(`Harper at ${node.url} exited unexpectedly (code ${code}); see ${node.logPath}`)
      stopping = true
      await Promise.all(nodes.map((other) => other.stop()))
      process.exit(1)
    }
  })
}
