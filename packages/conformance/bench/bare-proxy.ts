/**
 * The physical limit for a JS gateway: a node:http server that forwards bytes to the
 * upstream over a keep-alive agent and pipes the answer back, reading nothing.
 * Usage: node bare-proxy.ts <upstreamUrl>; prints "ready <port>".
 */
import { Agent, createServer, request } from "node:http"

const upstream = new URL(process.argv[2] ?? "http://127.0.0.1:1")
const agent = new Agent({ keepAlive: true, maxSockets: 256 })
const server = createServer((incoming, outgoing) => {
  const forward = request({ host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: upstream.host }, agent }, (answer) => {
    outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
    answer.pipe(outgoing)
  })
  forward.on("error", () => outgoing.destroy())
  outgoing.on("close", () => forward.destroy())
  incoming.pipe(forward)
})
server.keepAliveTimeout = 60_000
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  console.log(`ready ${typeof address === "object" && address !== null ? address.port : 0}`)
})
