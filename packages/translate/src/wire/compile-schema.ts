import type { Schema } from "effect"
import { SchemaJITCompiler } from "effect/schema"

/**
 * Compiles a hot wire schema's decoder to a specialised function (Effect's JIT): about
 * 7x faster per stream chunk than the interpreted decoder. Where `new Function` is
 * forbidden, Effect falls back to interpreting, with the same results.
 */
export function compiled<S extends Schema.Top>(schema: S): S {
  SchemaJITCompiler.enable(schema.ast)
  return schema
}
