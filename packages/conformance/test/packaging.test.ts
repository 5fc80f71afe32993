/**
 * What a user gets: the packed packages, installed outside the workspace exactly as the
 * README's recipes say ("Using translate in your own gateway", "Using it inside your own
 * Harper"), with npm and the tarballs only, nothing linked from the repository.
 * `pnpm pack` runs each package's `prepack` (a clean build of dist/).
 */
import { execFile } from "node:child_process"
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { basename, dirname, join, resolve } from "node:path"
import { promisify } from "node:util"
import OpenAI from "openai"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { freePort, runHarper, type HarperInstance } from "../../harper-resources/dev/harper-process.ts"

const run = promisify(execFile)
const repo = resolve(import.meta.dirname, "..", "..", "..")
const readme = readFileSync(join(repo, "README.md"), "utf8")
const PNPM_VERSION = "12.21.0"

/** pnpm as the test command was started with it (its native binary or its script), else the README's pinned one. */
function pnpmCommand(args: readonly string[]): [string, string[]] {
  const execPath = process.env["npm_execpath"] ?? ""
  if (basename(execPath).startsWith("pnpm")) {
    return /\.[cm]?js$/.test(execPath) ? [process.execPath, [execPath, ...args]] : [execPath, [...args]]
  }
  return ["npx", ["-y", `pnpm@${PNPM_VERSION}`, ...args]]
}

async function pnpm(args: readonly string[]): Promise<string> {
  const [command, argv] = pnpmCommand(args)
  const { stdout } = await run(command, argv, { cwd: repo, maxBuffer: 64 * 1024 * 1024 })
  return stdout
}

/** npm as a user runs it, with the project's Node 24 first on PATH (the test command's). */
async function npm(args: readonly string[], cwd: string): Promise<void> {
  await run("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, maxBuffer: 64 * 1024 * 1024 })
}

/** The fenced code blocks of one README section (up to the next heading of the same level). */
function readmeBlocks(heading: string, language: string): string[] {
  const start = readme.indexOf(`\n${heading}\n`)
  if (start < 0) throw new Error(`README has no section ${heading}`)
  const level = heading.split(" ")[0] ?? "##"
  const next = readme.indexOf(`\n${level} `, start + heading.length + 1)
  const section = readme.slice(start, next < 0 ? undefined : next)
  // A block inside a list item is indented: its lines lose that indentation.
  return [...section.matchAll(new RegExp(`^( *)\`\`\`${language}\\n([\\s\\S]*?)^\\1\`\`\``, "gm"))].map(([, indent = "", body = ""]) =>
    body
      .split("\n")
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join("\n"),
  )
}

async function tarList(tarball: string): Promise<string[]> {
  const { stdout } = await run("tar", ["-tzf", tarball])
  return stdout.split("\n").filter((line) => line !== "")
}

function packedManifest(dir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
}

const TRANSLATE_TARBALL = "harper-gateway-translate-0.1.0.tgz"
const MODELS_TARBALL = "harper-gateway-models-0.1.0.tgz"
const PLUGIN_TARBALL = "harper-gateway-0.1.0.tgz"

let scratch: string
let tarballs: string

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "harper-gateway-packaging-"))
  tarballs = join(scratch, "tarballs")
  mkdirSync(tarballs)
  const started = Date.now()
  // The README's commands, with this test's folder as "$APP".
  for (const dir of ["packages/translate", "packages/models", "packages/harper-resources"]) {
    const args = ["--dir", dir, "pack", "--pack-destination"]
    expect(readme).toContain(`npx -y pnpm@${PNPM_VERSION} ${args.join(" ")} "$APP"`)
    await pnpm([...args, tarballs])
  }
  console.log(`packed the three packages in ${((Date.now() - started) / 1000).toFixed(1)} s`)
})

afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true })
})

describe("the packed file lists", () => {
  test("hold what a user needs and no tests, fixtures, sources or local data", async () => {
    expect(readdirSync(tarballs).sort()).toEqual([PLUGIN_TARBALL, MODELS_TARBALL, TRANSLATE_TARBALL])
    const forbidden = /(^|\/)(test|tests|__tests__|fixtures?|dev|bench|src|node_modules|\.harper-data)(\/|$)|\.test\.|\.spec\.|\.tsbuildinfo$|\.ts$(?<!\.d\.ts$)|tsconfig/
    for (const tarball of [TRANSLATE_TARBALL, MODELS_TARBALL, PLUGIN_TARBALL]) {
      const files = await tarList(join(tarballs, tarball))
      const built = files.filter((file) => file.startsWith("package/dist/"))
      const kinds = [".js", ".d.ts", ".js.map"].map((kind) => `${built.filter((file) => file.endsWith(kind)).length} *${kind}`)
      console.log(`${tarball}: ${files.filter((file) => !built.includes(file)).join(", ")}, dist/ (${kinds.join(", ")})`)
      expect(files.filter((file) => forbidden.test(file.replace(/^package\//, "")))).toEqual([])
      expect(files).toEqual(expect.arrayContaining(["package/package.json", "package/README.md"]))
    }
    const translate = await tarList(join(tarballs, TRANSLATE_TARBALL))
    expect(translate).toEqual(expect.arrayContaining(["package/dist/index.js", "package/dist/index.d.ts", "package/dist/index.js.map"]))
    const models = await tarList(join(tarballs, MODELS_TARBALL))
    expect(models).toEqual(expect.arrayContaining(["package/dist/index.js", "package/dist/index.d.ts", "package/dist/index.js.map"]))
    const plugin = await tarList(join(tarballs, PLUGIN_TARBALL))
    expect(plugin).toEqual(expect.arrayContaining(["package/config.yaml", "package/schema.graphql", "package/dist/plugin.js", "package/dist/plugin.d.ts", "package/dist/plugin.js.map"]))
  })

  test("packed manifests name the built files, real versions and a license", async () => {
    const unpacked = join(scratch, "unpacked")
    for (const [tarball, name] of [
      [TRANSLATE_TARBALL, "translate"],
      [MODELS_TARBALL, "models"],
      [PLUGIN_TARBALL, "plugin"],
    ] as const) {
      mkdirSync(join(unpacked, name), { recursive: true })
      await run("tar", ["-xzf", join(tarballs, tarball), "-C", join(unpacked, name)])
    }
    const translate = packedManifest(join(unpacked, "translate", "package"))
    const models = packedManifest(join(unpacked, "models", "package"))
    const plugin = packedManifest(join(unpacked, "plugin", "package"))
    expect(translate["name"]).toBe("@harper-gateway/translate")
    expect(models["name"]).toBe("@harper-gateway/models")
    expect(plugin["name"]).toBe("harper-gateway")
    for (const manifest of [translate, models, plugin]) {
      expect(JSON.stringify(manifest)).not.toContain("workspace:")
      expect(typeof manifest["license"]).toBe("string")
      expect(manifest["private"]).toBeUndefined()
    }
    expect(translate["exports"]).toEqual({ ".": { types: "./dist/index.d.ts", import: "./dist/index.js", default: "./dist/index.js" }, "./package.json": "./package.json" })
    expect(plugin["exports"]).toEqual({ ".": { types: "./dist/plugin.d.ts", import: "./dist/plugin.js", default: "./dist/plugin.js" }, "./package.json": "./package.json" })
    expect(models["exports"]).toEqual({ ".": { types: "./dist/index.d.ts", import: "./dist/index.js", default: "./dist/index.js" }, "./package.json": "./package.json" })
    expect(models["dependencies"]).toMatchObject({ "@harper-gateway/translate": "0.1.0" })
    expect(Object.keys(Object(models["dependencies"]))).not.toContain("harperdb")
    expect(plugin["dependencies"]).toMatchObject({ "@harper-gateway/translate": "0.1.0", "@harper-gateway/models": "0.1.0" })
    // Harper gives every component its own harperdb: the plugin must not install another.
    expect(Object.keys(Object(plugin["dependencies"]))).not.toContain("harperdb")
    expect(readFileSync(join(unpacked, "plugin", "package", "config.yaml"), "utf8")).toMatch(/^pluginModule: \.\/dist\/plugin\.js$/m)
  })
})

describe("Using translate in your own gateway (README), from the tarball", () => {
  let project: string

  beforeAll(async () => {
    project = join(scratch, "my-gateway")
    mkdirSync(project)
    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "my-gateway", private: true, type: "module" }, null, 2))
    const started = Date.now()
    await npm(["install", join(tarballs, TRANSLATE_TARBALL)], project)
    console.log(`npm installed the translate tarball in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  })

  test("the README's example runs on Node 24 from plain JavaScript: decode, encode, answer", async () => {
    const [example] = readmeBlocks("## Using translate in your own gateway", "js")
    expect(example).toBeDefined()
    writeFileSync(join(project, "example.js"), example ?? "")
    expect(lstatSync(join(project, "node_modules", "@harper-gateway", "translate")).isSymbolicLink()).toBe(false)
    const { stdout } = await run(process.execPath, ["example.js"], { cwd: project })
    expect(process.version).toMatch(/^v24\./)
    const lines = stdout.trim().split("\n")
    expect(lines).toHaveLength(3)
    // decode -> encode: the body sent upstream is the client's request with the provider's model id.
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hello" },
      ],
      temperature: 0.2,
    })
    expect(JSON.parse(lines[1] ?? "")).toEqual({
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1700000000,
      model: "default",
      choices: [{ index: 0, message: { role: "assistant", content: "Hi!", refusal: null }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
    })
    expect(lines[2]).toBe("400 messages[0].role")
  })

  test("a strict TypeScript consumer type-checks against the declarations (skipLibCheck: false)", async () => {
    const consumer = join(project, "typed")
    mkdirSync(consumer)
    writeFileSync(
      join(consumer, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "es2024", lib: ["es2024", "dom"], module: "nodenext", moduleResolution: "nodenext", strict: true, exactOptionalPropertyTypes: true, skipLibCheck: false, noEmit: true, types: [] },
        include: ["*.ts"],
      }),
    )
    const typed = [
      `import { decodeChatRequest, encodeChatRequest, toOpenAIError, Wire, type ChatCall, type GatewayError, type Outcome } from "@harper-gateway/translate"`,
      `const outcome: Outcome<ChatCall> = decodeChatRequest({ model: "m", messages: [{ role: "user", content: "Hi" }] })`,
      `const describe = (error: GatewayError): string => toOpenAIError(error).body.error.message`,
      `const upstreamModel: string = outcome.ok ? encodeChatRequest(outcome.value).model : describe(outcome.error)`,
      `const request: Wire.ChatRequest | undefined = outcome.ok ? encodeChatRequest(outcome.value) : undefined`,
      `// @ts-expect-error: a ChatCall needs its conversation; real declarations refuse this`,
      `encodeChatRequest({ stream: false })`,
      `export { upstreamModel, request }`,
    ].join("\n")
    writeFileSync(join(consumer, "consumer.ts"), typed)
    // The README's example is also valid strict TypeScript.
    const [example] = readmeBlocks("## Using translate in your own gateway", "js")
    writeFileSync(join(consumer, "example.ts"), `${example ?? ""}\nexport {}\n`)
    const tsc = join(dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin", "tsc")
    const result = await run(process.execPath, [tsc, "-p", consumer]).then(
      ({ stdout }) => ({ ok: true, output: stdout }),
      (error: unknown) => ({ ok: false, output: typeof error === "object" && error !== null && "stdout" in error ? String(error.stdout) : String(error) }),
    )
    expect(result.output).toBe("")
    expect(result.ok).toBe(true)
  })
})

describe("Using it inside your own Harper (README), from the tarballs", () => {
  const admin = { username: "admin", password: "packaging-admin-pw" }
  const basic = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}`
  let app: string
  let harper: HarperInstance | undefined

  beforeAll(async () => {
    app = join(scratch, "my-harper-app")
    mkdirSync(app)
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "my-harper-app", private: true, type: "module" }, null, 2))
    const [config] = readmeBlocks("## Using it inside your own Harper", "yaml")
    expect(config).toBeDefined()
    writeFileSync(join(app, "config.yaml"), config ?? "")
    expect(readme).toContain(`npm install ./${TRANSLATE_TARBALL} ./${MODELS_TARBALL} ./${PLUGIN_TARBALL}`)
    const started = Date.now()
    await npm(["install", join(tarballs, TRANSLATE_TARBALL), join(tarballs, MODELS_TARBALL), join(tarballs, PLUGIN_TARBALL)], app)
    console.log(`npm installed the three tarballs into the Harper app in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    const booted = Date.now()
    harper = await runHarper({
      root: join(scratch, "harper"),
      appDir: app,
      admin,
      httpPort: await freePort(),
      operationsPort: await freePort(),
      // The README's environment: the placeholders in config.yaml; this test never calls the openai model.
      env: { OPENAI_BASE_URL: "http://127.0.0.1:9/v1", OPENAI_API_KEY: "sk-never-used" },
    })
    console.log(`Harper served the packed plugin after ${((Date.now() - booted) / 1000).toFixed(1)} s`)
  })

  afterAll(async () => {
    await harper?.stop()
  })

  test("the plugin is installed from the tarball, not linked, and runs from dist", () => {
    const installed = join(app, "node_modules", "harper-gateway")
    expect(lstatSync(installed).isSymbolicLink()).toBe(false)
    expect(lstatSync(join(app, "node_modules", "@harper-gateway", "translate")).isSymbolicLink()).toBe(false)
    expect(existsSync(join(installed, "src"))).toBe(false)
    expect(existsSync(join(installed, "dist", "plugin.js"))).toBe(true)
  })

  test("first key, a chat through the unmodified openai SDK, and its accounting row", async () => {
    if (harper === undefined) throw new Error("Harper did not start")
    const created = await fetch(`${harper.url}/gateway/keys`, {
      method: "POST",
      headers: { authorization: basic, "content-type": "application/json" },
      body: JSON.stringify({ user: "admin", tenant: "my-team" }),
    })
    const keyBody: unknown = await created.json()
    expect(created.status).toBe(201)
    const key = typeof keyBody === "object" && keyBody !== null && "key" in keyBody ? keyBody.key : undefined
    expect(key).toMatch(/^sk-hgw-/)

    const client = new OpenAI({ baseURL: `${harper.url}/v1`, apiKey: String(key) })
    const answer = await client.chat.completions.create({ model: "echo", messages: [{ role: "user", content: "Hello from a packed plugin" }] })
    expect(answer.choices[0]?.message.content).toContain("Hello from a packed plugin")

    const rows = await pollRows(harper, basic, "SELECT tenant, logicalModel, backend, outcome, status FROM gateway.hdb_model_calls WHERE tenant = 'my-team'")
    expect(rows).toEqual([{ tenant: "my-team", logicalModel: "echo", backend: "echo", outcome: "success", status: 200 }])
  })
})

/** The accounting writer flushes in the background: wait (generously) for the row. */
async function pollRows(harper: HarperInstance, basic: string, sql: string): Promise<unknown[]> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const response = await fetch(harper.operationsUrl, {
      method: "POST",
      headers: { authorization: basic, "content-type": "application/json" },
      body: JSON.stringify({ operation: "sql", sql }),
    })
    const rows: unknown = await response.json()
    if (Array.isArray(rows) && rows.length > 0) return rows
    if (Date.now() > deadline) return Array.isArray(rows) ? rows : [rows]
    await new Promise((r) => setTimeout(r, 250))
  }
}
