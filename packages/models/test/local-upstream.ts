import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http"
import { afterAll, beforeAll } from "vitest"
import { listenOnLoopback } from "./listen-loopback.ts"

/** A request the local upstream received, its JSON body parsed. */
export interface ReceivedRequest {
  readonly method: string
  readonly path: string
  readonly headers: IncomingHttpHeaders
  readonly body: Record<string, unknown>
}

export interface LocalUpstream {
  /** Every request received, in order (the test clears it when it wants). */
  readonly received: ReceivedRequest[]
  /** `http://127.0.0.1:<port>`, once the file's tests run. */
  url(): string
}

/**
 * A local upstream on 127.0.0.1 for one test file: started before its tests, closed
 * after them. Each request is read whole, recorded, then answered by `answer`.
 */
export function localUpstream(answer: (request: ReceivedRequest, res: ServerResponse) => unknown): LocalUpstream {
  const received: ReceivedRequest[] = []
  let url = ""
  let close: () => Promise<void> = async () => undefined
  beforeAll(async () => {
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk)
      const request: ReceivedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) }
      received.push(request)
      await answer(request, res)
    })
    const listening = await listenOnLoopback(server)
    url = listening.url
    close = listening.close
  })
  afterAll(async () => {
    await close()
  })
  return { received, url: () => url }
}
