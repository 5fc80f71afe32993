/**
 * Removes anything shaped like a credential from text that may reach a client or a
 * log: provider keys (`sk-…`, `sk-ant-…`, `xai-…`, `gsk_…`), bearer tokens and JWTs.
 * OpenAI's own 401 message quotes part of the key it was given.
 */
const SECRET_PATTERNS: readonly RegExp[] = [
  /\b(?:sk|pk|rk|xai|gsk|key)[-_][A-Za-z0-9_\-*.]{6,}/g,
  /\bBearer\s+[A-Za-z0-9_\-.=+/]{8,}/gi,
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
]

export function redactSecrets(text: string): string {
  let out = text
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, "[redacted]")
  return out
}
