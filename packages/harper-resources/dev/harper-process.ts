/**
 * Starts and stops a real Harper 4.7 with the gateway plugin: used by the README's
 * start command and by the integration tests. Data lives under `root`; Harper listens
 * on loopback only, with MQTT off. Alone, a node replicates to nobody; `startCluster`
 * starts several, each on its own loopback address (127.0.0.1, 127.0.0.2, …), joined
 * by Harper's own replication (plain ws on the operations port, no TLS: loopback only)
 * and sharing one JWT signing key pair. The plugin runs from this package's
 * TypeScript sources (Node 24 strips the types), through a small development package
 * written into the generated application: the packed package runs dist/ instead.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { generateKeyPair, randomUUID } from "node:crypto"
import { copyFileSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { createRequire } from "node:module"
import { DEFAULT_MAX_BODY_BYTES } from "../src/http/v1-guard.ts"

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..")

export interface HarperOptions {
  /** Folder for Harper's data, config, logs and the generated application. */
  readonly root: string
  /** The loopback address Harper listens on (127.0.0.1 unless a cluster node). */
  readonly host?: string
  readonly replication?: ReplicationOptions
  readonly httpPort?: number
  readonly operationsPort?: number
  readonly admin: { readonly username: string; readonly password: string }
  /** The gateway plugin's block in the application's config.yaml. */
  readonly gatewayConfig: Readonly<Record<string, unknown>>
  readonly threads?: number
  readonly env?: Readonly<Record<string, string>>
  /** Where Harper's stdout/stderr go (the banner); its log is `<root>/hdb/log/hdb.log`. */
  readonly output?: "inherit" | "file"
  readonly asPid1?: boolean
  readonly onSpawn?: (pid: number) => void
}

export interface HarperInstance {
  readonly pid: number
  readonly url: string
  readonly operationsUrl: string
  readonly logPath: string
  readonly process: ChildProcess
  stop(): Promise<void>
  /** SIGKILL to Harper's whole process group (a crash: nothing gets to run), resolved once it has exited. */
  kill(): Promise<void>
}

/** A cluster node's replication settings: its name is its loopback address. */
export interface ReplicationOptions {
  /** The peers' replication URLs (`ws://<address>:<operations port>`), Harper's `replication.routes`. */
  readonly routes: readonly string[]
}

export async function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(0, host, () => {
      const address = probe.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      probe.close(() => resolvePort(port))
    })
  })
}

export interface HarperRunOptions {
  /** Folder for Harper's data, config, logs (`<root>/hdb`) and its HOME. */
  readonly root: string
  /** The Harper application to run (its package.json, config.yaml and node_modules). */
  readonly appDir: string
  /** The loopback address Harper listens on (127.0.0.1 unless a cluster node); also its replication name. */
  readonly host?: string
  /** Joins the peers at these routes; without it the node replicates to nobody. */
  readonly replication?: ReplicationOptions
  readonly httpPort?: number
  readonly operationsPort?: number
  readonly admin: { readonly username: string; readonly password: string }
  readonly threads?: number
  readonly env?: Readonly<Record<string, string>>
  readonly output?: "inherit" | "file"
  /** Harper's own request body limit (`http.maxRequestBodySize`). */
  readonly maxRequestBodyBytes?: number
  /** Runs Harper as PID 1 in a PID namespace of its own (`unshare`; Linux, root): every start gets the same pid. */
  readonly asPid1?: boolean
  /** Called with Harper's pid as soon as it is spawned, before it loads anything (tests plant files named for it). */
  readonly onSpawn?: (pid: number) => void
}

/** Harper with the plugin running from this repository's sources, in a generated application under `root/app`. */
export async function startHarper(options: HarperOptions): Promise<HarperInstance> {
  const root = resolve(options.root)
  const appDir = join(root, "app")
  writeDevPluginPackage(join(appDir, "node_modules", "harper-gateway"))
  writeFileSync(join(appDir, "package.json"), JSON.stringify({ name: "harper-gateway-app", private: true, type: "module" }))
  // YAML is a superset of JSON, so the config is written as JSON.
  writeFileSync(join(appDir, "config.yaml"), JSON.stringify({ rest: true, "harper-gateway": { package: "harper-gateway", ...options.gatewayConfig } }, null, 2))
  const { gatewayConfig, ...rest } = options
  // Harper's own body limit made equal to the gateway's, so the documented limit is the one in force.
  return runHarper({ ...rest, root, appDir, maxRequestBodyBytes: gatewayBodyLimit(gatewayConfig) })
}

/**
 * The plugin as Harper finds it at node_modules/harper-gateway, but loading src/plugin.ts:
 * the package's own config.yaml names dist/ (what is packed), and Node strips types only
 * outside node_modules, so this module re-exports the sources by their real path.
 */
function writeDevPluginPackage(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "harper-gateway", private: true, type: "module", exports: "./plugin.js" }))
  writeFileSync(join(dir, "plugin.js"), `export * from ${JSON.stringify(pathToFileURL(join(packageDir, "src", "plugin.ts")).href)}\n`)
  copyFileSync(join(packageDir, "schema.graphql"), join(dir, "schema.graphql"))
  writeFileSync(join(dir, "config.yaml"), JSON.stringify({ pluginModule: "./plugin.js", graphqlSchema: { files: "schema.graphql" } }, null, 2))
}

/** Harper on an existing application directory, with a throwaway install under `root`. */
export async function runHarper(options: HarperRunOptions): Promise<HarperInstance> {
  const root = resolve(options.root)
  const appDir = resolve(options.appDir)
  const home = join(root, "home")
  const hdbRoot = join(root, "hdb")
  mkdirSync(home, { recursive: true })

  const host = options.host ?? "127.0.0.1"
  const httpPort = options.httpPort ?? (await freePort(host))
  const operationsPort = options.operationsPort ?? (await freePort(host))
  // harperdb exports only ".", which resolves to its root index.js.
  const harperBin = join(dirname(createRequire(import.meta.url).resolve("harperdb")), "bin", "harperdb.js")
  const env: Record<string, string> = {
    ...filteredEnv(),
    ...options.env,
    HOME: home,
    ROOTPATH: hdbRoot,
    TC_AGREEMENT: "yes",
    HDB_ADMIN_USERNAME: options.admin.username,
    HDB_ADMIN_PASSWORD: options.admin.password,
    HTTP_PORT: `${host}:${httpPort}`,
    OPERATIONSAPI_NETWORK_PORT: `${host}:${operationsPort}`,
    MQTT_NETWORK_PORT: "null",
    MQTT_NETWORK_SECUREPORT: "null",
    // No wss port: replication runs as plain ws on the operations port, where peers on loopback are trusted by source address.
    REPLICATION_SECUREPORT: "null",
    // The node's name is its address: Harper connects to a peer from it, which is how the peer recognises it.
    ...(options.replication === undefined ? {} : { REPLICATION_HOSTNAME: host, REPLICATION_ROUTES: JSON.stringify(options.replication.routes) }),
    THREADS_COUNT: String(options.threads ?? 1),
    HTTP_MAXREQUESTBODYSIZE: String(options.maxRequestBodyBytes ?? DEFAULT_MAX_BODY_BYTES),
    LOGGING_LEVEL: "warn",
  }
  const outputPath = join(root, "harper.out")
  const output = options.output === "inherit" ? "inherit" : openSync(outputPath, "a")
  // Its own process group: a Ctrl-C in the terminal reaches the launcher, which stops Harper cleanly.
  const command = [process.execPath, harperBin, "run", appDir]
  // As PID 1 of a new PID namespace, like a container whose entrypoint is Harper (Linux, needs CAP_SYS_ADMIN).
  const [file = process.execPath, ...args] = options.asPid1 === true ? ["unshare", "--pid", "--fork", "--kill-child", "--mount-proc", ...command] : command
  const child = spawn(file, args, { env, stdio: ["ignore", output, output], detached: true })
  if (child.pid !== undefined) options.onSpawn?.(child.pid)
  const url = `http://${host}:${httpPort}`
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()))
  // Harper runs in its own process group: if whoever started it exits without stopping it, stop it anyway.
  const orphanGuard = () => void child.kill("SIGTERM")
  process.once("exit", orphanGuard)
  void exited.then(() => process.removeListener("exit", orphanGuard))
  const instance: HarperInstance = {
    pid: child.pid ?? -1,
    url,
    operationsUrl: `http://${host}:${operationsPort}`,
    logPath: join(hdbRoot, "log", "hdb.log"),
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      // As PID 1 of its namespace Harper only gets the signals it handles: stop `unshare`, whose --kill-child ends it.
      const signal = (name: NodeJS.Signals) => (options.asPid1 === true && child.pid !== undefined ? process.kill(-child.pid, name) : child.kill(name))
      signal("SIGTERM")
      const timer = setTimeout(() => signal("SIGKILL"), 15_000)
      await exited
      clearTimeout(timer)
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
      // Detached: Harper leads its own process group, so this reaches anything it started too.
      process.kill(-child.pid, "SIGKILL")
      await exited
    },
  }
  const deadline = Date.now() + 90_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Harper exited with code ${child.exitCode} before serving; see ${outputPath} and ${instance.logPath}`)
    try {
      const response = await fetch(`${url}/`, { signal: AbortSignal.timeout(2_000) })
      await response.body?.cancel()
      break
    } catch {
      if (Date.now() > deadline) {
        await instance.stop()
        throw new Error(`Harper did not serve ${url} within 90 s; see ${instance.logPath}`)
      }
      await new Promise((r) => setTimeout(r, 250))
    }
  }
  return instance
}

/** The plugin's `limits.maxBodyBytes`, or its default. */
function gatewayBodyLimit(config: Readonly<Record<string, unknown>>): number {
  const limits: unknown = config["limits"]
  const value: unknown = typeof limits === "object" && limits !== null ? Reflect.get(limits, "maxBodyBytes") : undefined
  return typeof value === "number" ? value : DEFAULT_MAX_BODY_BYTES
}

/** The parent's environment without Harper's own config variables, which it would persist. */
function filteredEnv(): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(HDB_|HTTP_|OPERATIONSAPI_|MQTT_|REPLICATION_|THREADS_|ROOTPATH|HARPER_)/.test(key)) continue
    out[key] = value
  }
  return out
}

export interface ClusterOptions extends Omit<HarperOptions, "root" | "host" | "replication" | "httpPort" | "operationsPort" | "onSpawn" | "asPid1"> {
  /** Node i (from 1) keeps its data in `<root>/node-<i>`. */
  readonly root: string
  readonly nodes: number
  /** Ports every node uses on its own address; free ports (different per node) when not given. */
  readonly httpPort?: number
  readonly operationsPort?: number
}

export interface ClusterNode {
  /** Its loopback address, which is also its replication node name (127.0.0.<i>). */
  readonly name: string
  readonly root: string
  /** The Harper now running as this node (replaced by `start`). */
  readonly harper: HarperInstance
  /** Starts the node again (after stop or kill) on its data, address and ports, with this plugin config if given; resolves once it serves. */
  start(gatewayConfig?: Readonly<Record<string, unknown>>): Promise<HarperInstance>
}

export interface HarperCluster {
  readonly nodes: readonly ClusterNode[]
  /** Resolves once every running node reports a connected replication socket to every other, for every database. */
  connected(timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

/**
 * N Harpers with the plugin, node i on 127.0.0.<i>, each listing the others as
 * replication routes, so Harper's own replication joins them (no `add_node` needed, and
 * membership survives restarts). JWT signing keys do not replicate: node 1's key pair
 * (generated here on a first start) is copied into every node's `keys/` before it starts,
 * so a token made on one node is accepted by all.
 */
export async function startCluster(options: ClusterOptions): Promise<HarperCluster> {
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > 254) throw new Error(`a cluster has 1 to 254 nodes, not ${options.nodes}`)
  const { root, nodes: count, httpPort, operationsPort, ...common } = options
  const specs: { readonly host: string; readonly root: string; readonly httpPort: number; readonly operationsPort: number }[] = []
  for (let i = 1; i <= count; i++) {
    const host = `127.0.0.${i}`
    // Linux routes all of 127/8 to loopback; elsewhere (macOS) only 127.0.0.1 exists unless aliased.
    const http =
      httpPort ??
      (await freePort(host).catch((error: unknown) => {
        throw new Error(`cannot listen on ${host}; on macOS: sudo ifconfig lo0 alias ${host}`, { cause: error })
      }))
    specs.push({ host, root: join(resolve(root), `node-${i}`), httpPort: http, operationsPort: operationsPort ?? (await freePort(host)) })
  }
  const keys = await sharedJwtKeys(join(specs[0]?.root ?? root, "hdb", "keys"))
  const nodes = specs.map((spec): ClusterNode => {
    let current: HarperInstance | undefined
    const routes = specs.filter((other) => other !== spec).map((other) => `ws://${other.host}:${other.operationsPort}`)
    const node = {
      name: spec.host,
      root: spec.root,
      get harper(): HarperInstance {
        if (current === undefined) throw new Error(`node ${spec.host} has not started`)
        return current
      },
      async start(gatewayConfig = common.gatewayConfig) {
        writeJwtKeys(join(spec.root, "hdb", "keys"), keys)
        current = await startHarper({ ...common, gatewayConfig, root: spec.root, host: spec.host, httpPort: spec.httpPort, operationsPort: spec.operationsPort, replication: { routes } })
        return current
      },
    }
    return node
  })
  const started = await Promise.allSettled(nodes.map((node) => node.start()))
  const failed = started.find((result) => result.status === "rejected")
  if (failed !== undefined) {
    await Promise.all(started.map((result) => (result.status === "fulfilled" ? result.value.stop() : undefined)))
    throw failed.reason
  }
  const cluster: HarperCluster = {
    nodes,
    async connected(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      for (const node of nodes) {
        if (node.harper.process.exitCode !== null || node.harper.process.signalCode !== null) continue
        for (;;) {
          const missing = await unconnectedPeers(
            node.harper,
            common.admin,
            nodes.filter((other) => other !== node).map((other) => other.name),
          )
          if (missing.length === 0) break
          if (Date.now() > deadline) throw new Error(`node ${node.name} is not connected to ${missing.join(", ")} after ${timeoutMs} ms; see ${node.harper.logPath}`)
          await new Promise((r) => setTimeout(r, 250))
        }
      }
    },
    async stop() {
      await Promise.all(nodes.map((node) => node.harper.stop()))
    },
  }
  return cluster
}

interface JwtKeys {
  readonly privateKey: string
  readonly publicKey: string
  readonly passphrase: string
}

const JWT_FILES = { privateKey: ".jwtPrivate.key", publicKey: ".jwtPublic.key", passphrase: ".jwtPass" } as const

/** The key pair already in `dir` (node 1's, from an earlier start), or a new one in Harper's own format. */
async function sharedJwtKeys(dir: string): Promise<JwtKeys> {
  const paths = { privateKey: join(dir, JWT_FILES.privateKey), publicKey: join(dir, JWT_FILES.publicKey), passphrase: join(dir, JWT_FILES.passphrase) }
  if (existsSync(paths.privateKey) && existsSync(paths.publicKey) && existsSync(paths.passphrase)) {
    return { privateKey: readFileSync(paths.privateKey, "utf8"), publicKey: readFileSync(paths.publicKey, "utf8"), passphrase: readFileSync(paths.passphrase, "utf8") }
  }
  // What Harper writes at install when the files are missing: RSA 4096, the private key PKCS#8 encrypted under a random passphrase.
  const passphrase = randomUUID()
  return new Promise((resolveKeys, reject) =>
    generateKeyPair("rsa", { modulusLength: 4096, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase } }, (error, publicKey, privateKey) =>
      error === null ? resolveKeys({ privateKey, publicKey, passphrase }) : reject(error),
    ),
  )
}

/** Harper creates JWT keys at start only when these files are missing, so keys written before a start are the ones it signs with. */
function writeJwtKeys(dir: string, keys: JwtKeys): void {
  mkdirSync(dir, { recursive: true })
  for (const [field, file] of Object.entries(JWT_FILES)) {
    const value = field === "privateKey" ? keys.privateKey : field === "publicKey" ? keys.publicKey : keys.passphrase
    writeFileSync(join(dir, file), value, { mode: 0o600 })
  }
}

/** The peers this node has no connected replication socket to, per Harper's `cluster_status`. */
async function unconnectedPeers(harper: HarperInstance, admin: { readonly username: string; readonly password: string }, peers: readonly string[]): Promise<readonly string[]> {
  let status: unknown
  try {
    const response = await fetch(harper.operationsUrl, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}`, "content-type": "application/json" },
      body: JSON.stringify({ operation: "cluster_status" }),
      signal: AbortSignal.timeout(5_000),
    })
    status = await response.json()
  } catch {
    return peers
  }
  const connections: unknown = typeof status === "object" && status !== null ? Reflect.get(status, "connections") : undefined
  const connected = new Set<string>()
  for (const connection of Array.isArray(connections) ? connections : []) {
    const name: unknown = typeof connection === "object" && connection !== null ? Reflect.get(connection, "name") : undefined
    const sockets: unknown = typeof connection === "object" && connection !== null ? Reflect.get(connection, "database_sockets") : undefined
    const all = Array.isArray(sockets) && sockets.length > 0 && sockets.every((socket: unknown) => typeof socket === "object" && socket !== null && Reflect.get(socket, "connected") === true)
    if (typeof name === "string" && all) connected.add(name)
  }
  return peers.filter((peer) => !connected.has(peer))
}
