import type * as Model from "../model/types.ts"
import type * as Wire from "../wire/chat-request.ts"

export function responseFormatFromOpenAI(format: Wire.ResponseFormat): Model.ResponseFormat {
  switch (format.type) {
    case "text":
    case "json_object":
      return { type: format.type }
    case "json_schema": {
      const spec = format.json_schema
      let out: Extract<Model.ResponseFormat, { type: "json_schema" }> = { type: "json_schema", name: spec.name }
      if (spec.description !== undefined) out = { ...out, description: spec.description }
      if (spec.schema !== undefined) out = { ...out, schema: spec.schema }
      if (spec.strict !== undefined) out = { ...out, strict: spec.strict }
      return out
    }
    default: {
      const unreachable: never = format
      return unreachable
    }
  }
}

export function responseFormatToOpenAI(format: Model.ResponseFormat): Wire.ResponseFormat {
  // Harper 5's shorthands: "json" is JSON mode; a bare schema is a strict json_schema named "output", as Harper 5 sends it.
  if (format === "text") return { type: "text" }
  if (format === "json") return { type: "json_object" }
  if (!("type" in format)) return { type: "json_schema", json_schema: { name: "output", schema: format.schema, strict: true } }
  switch (format.type) {
    case "text":
    case "json_object":
      return { type: format.type }
    case "json_schema": {
      let spec: Extract<Wire.ResponseFormat, { type: "json_schema" }>["json_schema"] = { name: format.name }
      if (format.description !== undefined) spec = { ...spec, description: format.description }
      if (format.schema !== undefined) spec = { ...spec, schema: format.schema }
      if (format.strict !== undefined) spec = { ...spec, strict: format.strict }
      return { type: "json_schema", json_schema: spec }
    }
    default: {
      const unreachable: never = format
      return unreachable
    }
  }
}
