import type * as Model from "../model/types.ts"
import type { TextFormat } from "../wire/responses-request.ts"

/** Responses `text.format` to the internal response format (name, description, schema and strictness kept). */
export function textFormatFromResponses(format: TextFormat): Model.ResponseFormat {
  switch (format.type) {
    case "text":
    case "json_object":
      return { type: format.type }
    case "json_schema": {
      let out: Extract<Model.ResponseFormat, { type: "json_schema" }> = { type: "json_schema", name: format.name, schema: format.schema }
      if (format.description !== undefined) out = { ...out, description: format.description }
      if (format.strict !== undefined) out = { ...out, strict: format.strict }
      return out
    }
    default: {
      const unreachable: never = format
      return unreachable
    }
  }
}

/** The internal response format as `text.format` (Harper 5's shorthands as chat reads them). */
export function textFormatToResponses(format: Model.ResponseFormat): TextFormat {
  if (format === "text") return { type: "text" }
  if (format === "json") return { type: "json_object" }
  if (!("type" in format)) return { type: "json_schema", name: "output", schema: format.schema, strict: true }
  switch (format.type) {
    case "text":
    case "json_object":
      return { type: format.type }
    case "json_schema": {
      let out: Extract<TextFormat, { type: "json_schema" }> = { type: "json_schema", name: format.name, schema: format.schema ?? {} }
      if (format.description !== undefined) out = { ...out, description: format.description }
      if (format.strict !== undefined) out = { ...out, strict: format.strict }
      return out
    }
    default: {
      const unreachable: never = format
      return unreachable
    }
  }
}
