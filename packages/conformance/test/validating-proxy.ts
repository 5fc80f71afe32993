/**
 * A transparent HTTP proxy between the unmodified clients and the gateway: clients get
 * the gateway's bytes untouched, and every response body and stream event they
 * received is validated against the official OpenAI spec on the side.
 */
import { createServer, request as httpRequest } from "node:http"
import { base64ToFloat32, createSseDecoder } from "@harper-gateway/translate"
import { specValidator, type SpecSchemaName } from "../../translate/test/openapi-validator.ts"
import { listenOnLoopback } from "../../models/test/listen-loopback.ts"

export interface ValidatingProxy {
  readonly url: string
  readonly violations: string[]
  /** What the clients sent (method, path, body text), in order. */
  readonly sent: { readonly method: string; readonly url: string; body: string }[]
  /** How many responses and stream events were validated. */
  readonly checked: { count: number }
  close(): Promise<void>
}

export async function startValidatingProxy(target: string): Promise<ValidatingProxy> {
  const violations: string[] = []
  const checked = { count: 0 }
  const sent: ValidatingProxy["sent"] = []
  const targetUrl = new URL(target)
  const check = (name: SpecSchemaName, value: unknown, where: string) => {
    checked.count++
    for (const problem of specValidator(name)(value)) violations.push(`${where}: ${name} ${problem}`)
  }
  const server = createServer((incoming, outgoing) => {
    const upstream = httpRequest({ host: targetUrl.hostname, port: targetUrl.port, method: incoming.method, path: incoming.url, headers: incoming.headers }, (response) => {
      outgoing.writeHead(response.statusCode ?? 502, response.headers)
      const where = `${incoming.method} ${incoming.url} -> ${response.statusCode}`
      const isSse = /text\/event-stream/.test(String(response.headers["content-type"]))
      const sse = createSseDecoder()
      const parts: Buffer[] = []
      response.on("data", (chunk: Buffer) => {
        outgoing.write(chunk)
        if (isSse) for (const event of sse.push(chunk)) validateEvent(event.data, where)
        else parts.push(chunk)
      })
      response.on("end", () => {
        outgoing.end()
        if (!isSse) validateBody(incoming.url ?? "", incoming.method ?? "", response.statusCode ?? 0, Buffer.concat(parts).toString("utf8"), where)
      })
    })
    upstream.on("error", () => outgoing.destroy())
    outgoing.on("close", () => {
      if (!outgoing.writableFinished) upstream.destroy()
    })
    const record = { method: incoming.method ?? "", url: incoming.url ?? "", body: "" }
    sent.push(record)
    incoming.on("data", (chunk: Buffer) => {
      if (record.body.length < 1_000_000) record.body += chunk.toString("utf8")
    })
    incoming.pipe(upstream)
  })

  function validateEvent(data: string, where: string) {
    if (data === "[DONE]") return
    const value: unknown = JSON.parse(data)
    // Responses events carry a `type` and a `sequence_number` (their `error` event too); chat chunks and errors do not.
    if (typeof value === "object" && value !== null && "sequence_number" in value) check("ResponseStreamEvent", value, `${where} (responses event)`)
    else if (typeof value === "object" && value !== null && "error" in value) check("ErrorResponse", value, `${where} (stream error event)`)
    else check("CreateChatCompletionStreamResponse", value, `${where} (stream chunk)`)
  }

  /** The spec gives DELETE /responses/{id} no schema; OpenAI answers `{id, object: "response", deleted: true}`. */
  function checkDeleted(value: unknown, where: string) {
    checked.count++
    const ok = typeof value === "object" && value !== null && "id" in value && typeof value.id === "string" && "object" in value && value.object === "response" && "deleted" in value && value.deleted === true
    if (!ok) violations.push(`${where}: not a deleted-response object: ${JSON.stringify(value).slice(0, 120)}`)
  }

  function validateBody(url: string, method: string, status: number, text: string, where: string) {
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      violations.push(`${where}: body is not JSON: ${text.slice(0, 80)}`)
      return
    }
    if (status >= 400) return check("ErrorResponse", value, where)
    const path = url.split("?")[0] ?? ""
    if (path.endsWith("/chat/completions")) return check("CreateChatCompletionResponse", value, where)
    if (path.endsWith("/embeddings")) return check("CreateEmbeddingResponse", withFloatEmbeddings(value), where)
    if (/\/responses\/[^/]+\/input_items\/?$/.test(path)) return check("ResponseItemList", value, where)
    if (/\/responses(?:\/[^/]+)?\/?$/.test(path)) return method === "DELETE" ? checkDeleted(value, where) : check("Response", value, where)
    if (/\/models\/?$/.test(path)) return check("ListModelsResponse", value, where)
    if (/\/models\/.+/.test(path)) return check("Model", value, where)
  }

  const listening = await listenOnLoopback(server)
  return {
    url: listening.url,
    violations,
    sent,
    checked,
    close: listening.close,
  }
}

/** The spec types `embedding` as floats only; a base64 answer is checked after decoding it as the SDK does. */
function withFloatEmbeddings(value: unknown): unknown {
  if (typeof value !== "object" || value === null || !("data" in value) || !Array.isArray(value.data)) return value
  return {
    ...value,
    data: value.data.map((item: unknown) =>
      typeof item === "object" && item !== null && "embedding" in item && typeof item.embedding === "string" ? { ...item, embedding: Array.from(base64ToFloat32(item.embedding) ?? [Number.NaN]) } : item,
    ),
  }
}
