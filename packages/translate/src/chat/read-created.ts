/** `created` as Unix seconds: a numeric string is read as its number (repaired); 0, negatives or junk are unknown. */
export function readCreated(created: number | string | null | undefined): { readonly created?: number; readonly fromString: boolean } {
  if (typeof created === "number") return Number.isInteger(created) && created > 0 ? { created, fromString: false } : { fromString: false }
  if (typeof created !== "string" || !/^\d+$/.test(created.trim())) return { fromString: false }
  const value = Number(created.trim())
  return Number.isSafeInteger(value) && value > 0 ? { created: value, fromString: true } : { fromString: false }
}
