import { readFileSync } from "node:fs"

/** A provider's documented error body, as text (translate/test/error-bodies/README.md says which page each copies). */
export const errorBody = (name: string): string => readFileSync(new URL(`../../translate/test/error-bodies/${name}.json`, import.meta.url), "utf8").trim()
