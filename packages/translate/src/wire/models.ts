import { Schema } from "effect"

export const ModelObject = Schema.Struct({
  id: Schema.String,
  object: Schema.Literal("model"),
  created: Schema.Int,
  owned_by: Schema.String,
})
export type ModelObject = typeof ModelObject.Type

export const ModelList = Schema.Struct({
  object: Schema.Literal("list"),
  data: Schema.Array(ModelObject),
})
export type ModelList = typeof ModelList.Type
