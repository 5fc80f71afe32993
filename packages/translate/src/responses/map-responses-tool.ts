import type * as Model from "../model/types.ts"
import type { ResponsesFunctionTool } from "../wire/responses-request.ts"
import type { FunctionToolOut } from "../wire/responses-out.ts"

/** A flat Responses function tool to the internal definition; null fields are absent ones. */
export function toolFromResponses(tool: ResponsesFunctionTool): Model.ToolDef {
  let out: Model.ToolDef = { name: tool.name }
  if (tool.description != null) out = { ...out, description: tool.description }
  if (tool.parameters != null) out = { ...out, parameters: tool.parameters }
  if (tool.strict !== undefined) out = { ...out, strict: tool.strict }
  return out
}

/** The internal definition as a Response echoes it: every field present, as OpenAI sends it. */
export function toolToResponses(tool: Model.ToolDef): FunctionToolOut {
  return { type: "function", name: tool.name, description: tool.description ?? null, parameters: tool.parameters ?? null, strict: tool.strict ?? null }
}
