/**
 * The logical models a call may be served by, in order: the requested one, then its
 * `fallback` list, each followed by its own fallbacks (depth first). A model appears once:
 * a cycle (a → b → a) or a repeat ends that branch, so the chain is finite whatever the
 * config says. Names `fallbacksOf` does not know are left out.
 */
export function fallbackChain(start: string, fallbacksOf: (name: string) => readonly string[] | undefined): readonly string[] {
  const chain: string[] = []
  const seen = new Set<string>()
  const visit = (name: string) => {
    if (seen.has(name)) return
    seen.add(name)
    const fallbacks = fallbacksOf(name)
    if (fallbacks === undefined) return
    chain.push(name)
    for (const next of fallbacks) visit(next)
  }
  visit(start)
  return chain
}
