import type * as Model from "../model/types.ts"
import type * as Wire from "../wire/chat-request.ts"

export function toolFromOpenAI(tool: Wire.FunctionTool): Model.ToolDef {
  const fn = tool.function
  let out: Model.ToolDef = { name: fn.name }
  if (fn.description !== undefined) out = { ...out, description: fn.description }
  if (fn.parameters !== undefined) out = { ...out, parameters: fn.parameters }
  if (fn.strict !== undefined) out = { ...out, strict: fn.strict }
  return out
}

export function toolToOpenAI(tool: Model.ToolDef): Wire.FunctionTool {
  let fn: Wire.FunctionTool["function"] = { name: tool.name }
  if (tool.description !== undefined) fn = { ...fn, description: tool.description }
  if (tool.parameters !== undefined) fn = { ...fn, parameters: tool.parameters }
  if (tool.strict !== undefined) fn = { ...fn, strict: tool.strict }
  return { type: "function", function: fn }
}
