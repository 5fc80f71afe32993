import type { TokenUsage, UsageCount } from "./types.ts"
import { readTokenCount, type TokenReading } from "./token-count.ts"

type MutableUsage = { -readonly [K in keyof TokenUsage]: TokenUsage[K] }

/** Collects a usage mapper's counts: a trusted figure is set, an untrusted one named in `untrusted` and left out. */
export interface UsageCounts {
  /** The first candidate present (not missing, not null) decides the field, as the upstream wrote it. */
  read(field: UsageCount, ...candidates: readonly unknown[]): TokenReading
  /** Puts a reading the mapper made (a sum of parts) into the field. */
  put(field: UsageCount, reading: TokenReading): void
  /** The usage with `raw` beside it. */
  done(raw: Readonly<Record<string, unknown>>): TokenUsage
}

/** A total is the upstream's sum of prompt and completion: when either is untrusted, so is the total it gave. */
const TOTAL_PARTS: readonly UsageCount[] = ["promptTokens", "completionTokens"]

export function usageCounts(): UsageCounts {
  const out: MutableUsage = {}
  const untrusted: UsageCount[] = []
  const put = (field: UsageCount, reading: TokenReading): void => {
    switch (reading.kind) {
      case "count":
        out[field] = reading.value
        return
      case "untrusted":
        if (!untrusted.includes(field)) untrusted.push(field)
        return
      case "absent":
        return
      default: {
        const unreachable: never = reading
        throw new Error(`unknown token reading ${JSON.stringify(unreachable)}`)
      }
    }
  }
  return {
    read(field, ...candidates) {
      const reading = readTokenCount(candidates.find((candidate) => candidate !== undefined && candidate !== null))
      put(field, reading)
      return reading
    },
    put,
    done(raw) {
      if (out.totalTokens !== undefined && TOTAL_PARTS.some((part) => untrusted.includes(part))) {
        delete out.totalTokens
        put("totalTokens", { kind: "untrusted" })
      }
      out.raw = raw
      if (untrusted.length > 0) out.untrusted = untrusted
      return out
    },
  }
}
