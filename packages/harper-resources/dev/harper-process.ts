/**
 * Starts and stops a real Harper 4.7 with the gateway plugin: used by the README's
 * start command and by the integration tests. Data lives under `root`; Harper listens
 * on loopback only, with MQTT and replication off. The plugin runs from this package's
 * TypeScript sources (Node 24 strips the types), through a small development package
 * written into the generated application: the packed package runs dist/ instead.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { copyFileSync, mkdirSync, openSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { createRequire } from "node:module"
import { DEFAULT_MAX_BODY_BYTES } from "../src/http/v1-guard.ts"

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..")

export interface HarperOptions {
  /** Folder for Harper's data, config, logs and the generated application. */
  readonly root: string
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

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer()
    probe.once("error", reject)
    probe.listen(0, "127.0.0.1", () => {
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

  const httpPort = options.httpPort ?? (await freePort())
  const operationsPort = options.operationsPort ?? (await freePort())
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
    HTTP_PORT: `127.0.0.1:${httpPort}`,
    OPERATIONSAPI_NETWORK_PORT: `127.0.0.1:${operationsPort}`,
    MQTT_NETWORK_PORT: "null",
    MQTT_NETWORK_SECUREPORT: "null",
    REPLICATION_SECUREPORT: "null",
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
  const url = `http://127.0.0.1:${httpPort}`
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()))
  // Harper runs in its own process group: if whoever started it exits without stopping it, stop it anyway.
  const orphanGuard = () => void child.kill("SIGTERM")
  process.once("exit", orphanGuard)
  void exited.then(() => process.removeListener("exit", orphanGuard))
  const instance: HarperInstance = {
    pid: child.pid ?? -1,
    url,
    operationsUrl: `http://127.0.0.1:${operationsPort}`,
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
