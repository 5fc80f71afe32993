import { describe, expect, it } from "vitest"
import type { Admission } from "../admission.ts"
import { CallAdmissions } from "./call-admissions.ts"

type Settled = [number | undefined, number | null, { readonly tokens: number | undefined; readonly costUsd: number | null } | undefined]

const recording = (into: Settled[]): Admission => ({ headers: {}, settle: (tokens, cost, onModel) => void into.push([tokens, cost, onModel]) })

describe("CallAdmissions", () => {
  it("settles a call without fallbacks once, with its attempts added up (unknown tokens stay unknown)", () => {
    const settled: Settled[] = []
    const admissions = new CallAdmissions(recording(settled))
    admissions.spend("m", undefined, null)
    admissions.spend("m", 10, 0.5)
    admissions.spend("m", 5, null)
    admissions.settle()
    expect(settled).toEqual([[15, 0.5, undefined]])
    const untouched: Settled[] = []
    new CallAdmissions(recording(untouched)).settle()
    expect(untouched).toEqual([[undefined, null, undefined]])
  })

  it("a fallback's spending goes to its own admission and the total; the requested model's own is 0 when nothing was spent there", () => {
    const requested: Settled[] = []
    const fallback: Settled[] = []
    const admissions = new CallAdmissions(recording(requested))
    admissions.addFallback("b", recording(fallback))
    expect(admissions.hasFallback("b")).toBe(true)
    admissions.spend("a", undefined, null)
    admissions.spend("b", 7, 0.25)
    admissions.settle()
    expect(requested).toEqual([[7, 0.25, { tokens: 0, costUsd: null }]])
    expect(fallback).toEqual([[7, 0.25, undefined]])
  })
})
