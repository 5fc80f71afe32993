import { readFileSync } from "node:fs"
import { Ajv2020 } from "ajv/dist/2020.js"
import type { ValidateFunction } from "ajv"
import { parse } from "yaml"
import { openapiPath } from "./shared-dir.ts"

/**
 * Validates values against schemas of the official OpenAI spec with a real JSON
 * Schema validator (Ajv, draft 2020-12). The spec is OpenAPI 3.1 with some 3.0
 * `nullable: true` left in; those become `anyOf [..., null]`. `discriminator` is an
 * OpenAPI annotation that the `oneOf` beside it already enforces.
 */
export type SpecSchemaName =
  | "CreateChatCompletionRequest"
  | "CreateChatCompletionResponse"
  | "CreateChatCompletionStreamResponse"
  | "CreateEmbeddingRequest"
  | "CreateEmbeddingResponse"
  | "ListModelsResponse"
  | "Model"
  | "ErrorResponse"
  | "CreateResponse"
  | "Response"
  | "ResponseStreamEvent"
  | "ResponseItemList"
  | "ItemResource"
  | "CreateCompletionRequest"
  | "CreateCompletionResponse"
  /**
   * CreateCompletionResponse as a stream chunk: the spec says chunks share the answer's
   * shape, and its own streaming example (paths./completions, x-oaiMeta) sends
   * `"finish_reason": null` before a choice ends, which the schema's enum leaves out.
   */
  | "CreateCompletionStreamChunk"

let validators: Map<SpecSchemaName, ValidateFunction> | undefined

export function specValidator(name: SpecSchemaName): (value: unknown) => readonly string[] {
  validators ??= load()
  const validate = validators.get(name)
  if (validate === undefined) throw new Error(`no schema ${name}`)
  return (value) => {
    if (validate(value)) return []
    return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`)
  }
}

function specSchemas(): Record<string, unknown> {
  return loadSpec().components.schemas
}

let spec: { components: { schemas: Record<string, unknown> } } | undefined

function loadSpec(): { components: { schemas: Record<string, unknown> } } {
  if (spec !== undefined) return spec
  const parsed: unknown = parse(readFileSync(openapiPath, "utf8"), { maxAliasCount: -1 })
  if (!isRecord(parsed) || !isRecord(parsed["components"]) || !isRecord(parsed["components"]["schemas"])) {
    throw new Error("openapi.yaml has no components.schemas")
  }
  spec = { components: { schemas: parsed["components"]["schemas"] } }
  return spec
}

function load(): Map<SpecSchemaName, ValidateFunction> {
  const schemas = normalise(loadSpec().components.schemas)
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
  ajv.addSchema({ $id: "openai", components: { schemas } })
  const names: SpecSchemaName[] = [
    "CreateChatCompletionRequest",
    "CreateChatCompletionResponse",
    "CreateChatCompletionStreamResponse",
    "CreateEmbeddingRequest",
    "CreateEmbeddingResponse",
    "ListModelsResponse",
    "Model",
    "ErrorResponse",
    "CreateResponse",
    "Response",
    "ResponseStreamEvent",
    "ResponseItemList",
    "ItemResource",
    "CreateCompletionRequest",
    "CreateCompletionResponse",
  ]
  const compiledByName = new Map<SpecSchemaName, ValidateFunction>(names.map((name) => [name, ajv.compile({ $ref: `openai#/components/schemas/${name}` })]))
  compiledByName.set("CreateCompletionStreamChunk", ajv.compile(completionChunkSchema(schemas)))
  return compiledByName
}

/** The answer's schema with `choices[].finish_reason` also null (see CreateCompletionStreamChunk). */
function completionChunkSchema(schemas: unknown): Record<string, unknown> {
  const answer: unknown = isRecord(schemas) ? structuredClone(schemas["CreateCompletionResponse"]) : undefined
  const choices = isRecord(answer) && isRecord(answer["properties"]) ? answer["properties"]["choices"] : undefined
  const items = isRecord(choices) ? choices["items"] : undefined
  const properties = isRecord(items) ? items["properties"] : undefined
  if (!isRecord(answer) || !isRecord(properties)) throw new Error("CreateCompletionResponse has no choices[].properties")
  properties["finish_reason"] = { anyOf: [properties["finish_reason"], { type: "null" }] }
  const schema = inSpec(answer)
  if (!isRecord(schema)) throw new Error("CreateCompletionResponse is not a schema object")
  return schema
}

/** A schema taken out of the spec, its `#/components/...` references pointed back into it. */
function inSpec(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(inSpec)
  if (!isRecord(node)) return node
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, key === "$ref" && typeof value === "string" && value.startsWith("#/") ? `openai${value}` : inSpec(value)]))
}

function normalise(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normalise)
  if (!isRecord(node)) return node
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(node)) {
    if (key === "discriminator" || key === "nullable" || key.startsWith("x-")) continue
    out[key] = key === "properties" && isRecord(value) ? Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, normalise(schema)])) : normalise(value)
  }
  return node["nullable"] === true ? { anyOf: [out, { type: "null" }] } : out
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}

/** Every property of a spec schema, following `$ref` and `allOf` (for the field-disposition tables' tests). */
export function specFields(schemaName: string): string[] {
  const schemas = specSchemas()
  const fields = new Set<string>()
  const visit = (schema: unknown): void => {
    if (typeof schema !== "object" || schema === null) return
    if ("$ref" in schema && typeof schema.$ref === "string") visit(schemas[schema.$ref.split("/").pop() ?? ""])
    if ("allOf" in schema && Array.isArray(schema.allOf)) schema.allOf.forEach(visit)
    if ("properties" in schema && typeof schema.properties === "object" && schema.properties !== null) {
      for (const key of Object.keys(schema.properties)) fields.add(key)
    }
  }
  visit(schemas[schemaName])
  return [...fields].sort()
}
