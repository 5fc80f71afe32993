import { redactSecrets } from "./redact-secrets.ts"

/**
 * Hosts a provider's error message may name that tell a client nothing about the
 * operator's network (documentation links, the provider's own API).
 */
const PUBLIC_HOST_SUFFIXES: readonly string[] = [
  "openai.com",
  "anthropic.com",
  "claude.com",
  "google.com",
  "googleapis.com",
  "mistral.ai",
  "groq.com",
  "x.ai",
  "deepseek.com",
  "together.ai",
  "fireworks.ai",
  "openrouter.ai",
  "cohere.com",
  "huggingface.co",
  "azure.com",
  "microsoft.com",
  "amazon.com",
  "ollama.com",
  "moonshot.ai",
  "moonshot.cn",
  "perplexity.ai",
]

/**
 * Top-level domains a host name ends in: the public ones common in infrastructure and
 * the private ones (`.internal`, `.local`, `.svc`…). A fixed list, so a JSON path such as
 * `response_format.type` is never mistaken for a host.
 */
const TLDS = "com|net|org|io|ai|dev|app|cloud|co|us|uk|de|fr|nl|eu|cn|jp|in|info|biz|tech|sh|me|xyz|site|online|" + "internal|local|localdomain|lan|corp|home|intra|intranet|private|svc|cluster|example|test|invalid|localhost|arpa|priv"

const URL_PATTERN = /\b[a-z][a-z0-9+.-]{0,30}:\/\/[^\s"'<>)\]]{1,2048}/gi
const HOST_PATTERN = new RegExp(`\\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.){1,8}(?:${TLDS})\\b(?::\\d{1,5})?`, "gi")
const IPV4_PATTERN = /\b(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?::\d{1,5})?\b/g
// Full, compressed (`::`) and IPv4-mapped forms; five groups at least unless compressed, so a time (12:30:45) is not one.
const IPV6_PATTERN = /(?<![\w:])(?:(?:[0-9a-f]{1,4}:){5,7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,5})?|::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})|::1)(?![\w:])/gi

function isPublicHost(host: string): boolean {
  const name = host.toLowerCase().replace(/:\d+$/, "")
  return PUBLIC_HOST_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`))
}

/**
 * What of an upstream's error message may reach a client: credentials of every common
 * shape removed, and URLs, host names and IP addresses that could describe the
 * operator's network replaced (a provider's public documentation links are kept).
 */
export function redactForClient(text: string): string {
  return redactSecrets(text)
    .replace(URL_PATTERN, (url) => {
      const host = /^[a-z][a-z0-9+.-]{0,30}:\/\/(?:[^@/\s]{0,512}@)?([^/:?#\s]{1,512})/i.exec(url)?.[1] ?? ""
      return isPublicHost(host) ? url : "[url]"
    })
    .replace(HOST_PATTERN, (host) => (isPublicHost(host) ? host : "[host]"))
    .replace(IPV6_PATTERN, "[ip]")
    .replace(IPV4_PATTERN, "[ip]")
}
