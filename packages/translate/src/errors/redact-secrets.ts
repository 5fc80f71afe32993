/**
 * Removes anything shaped like a credential from text that may reach a client, a log or
 * an accounting row: provider keys (`sk-…`, `sk-ant-…`, `xai-…`, `gsk_…`, `hf_…`,
 * Google `AIza…`), cloud and forge tokens (AWS access key ids, GitHub, Slack), bearer and
 * Basic credentials, JWTs, private keys, credentials inside URLs and `password=…`-style
 * pairs. OpenAI's own 401 message quotes part of the key it was given.
 */
const REDACTED = "[redacted]"

const SECRET_PATTERNS: readonly (readonly [RegExp, string])[] = [
  [/-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[\s\S]{0,8192}?(?:-----END [A-Z ]{0,40}PRIVATE KEY-----|$)/g, REDACTED],
  // user:password@ in any URL-like text
  [/\b([a-z][a-z0-9+.-]{0,30}:\/\/)[^\s/@:"'<>]{1,256}(?::[^\s/@"'<>]{0,256})?@/gi, `$1${REDACTED}@`],
  [/\b(authorization|proxy-authorization|x-api-key|api-key|x-goog-api-key)(["']?\s*[:=]\s*["']?)(?:(?:bearer|basic|token|digest)\s+)?[^\s"',;]{1,512}/gi, `$1$2${REDACTED}`],
  [/\b(?:Bearer|Basic|Token)\s+[A-Za-z0-9_\-.=+/~]{8,512}/gi, REDACTED],
  [/\b(?:sk|pk|rk|xai|gsk|key|hf)[-_][A-Za-z0-9_\-*.]{6,512}/g, REDACTED],
  [/\bAIza[0-9A-Za-z_-]{30,512}/g, REDACTED],
  [/\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{12,128}\b/g, REDACTED],
  [/\b(?:gh[pousr]_[A-Za-z0-9]{16,512}|github_pat_[A-Za-z0-9_]{16,512})/g, REDACTED],
  [/\bxox[abposr]-[A-Za-z0-9-]{8,512}/g, REDACTED],
  [/\beyJ[A-Za-z0-9_-]{5,4096}\.[A-Za-z0-9_-]{5,8192}\.[A-Za-z0-9_-]{0,4096}/g, REDACTED],
  // password=…, "secret": "…", aws_secret_access_key = …
  [/\b([A-Za-z0-9_-]{0,40}(?:password|passwd|pwd|secret|token|[_-]key|api[_-]?key|apikey|access[_-]?key|credentials?|private[_-]?key|session[_-]?key)["']?\s{0,8}[:=]\s{0,8})(["']?)[^\s"',;&}]{1,512}\2/gi, `$1$2${REDACTED}$2`],
]

/**
 * Every pattern's repetitions are bounded, so the time is linear in the text whatever an
 * upstream sends (an unbounded `[a-z.]*` before a `:` took seconds on 64 KiB of `a.a.a.`).
 */
export function redactSecrets(text: string): string {
  let out = text
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement)
  return out
}
