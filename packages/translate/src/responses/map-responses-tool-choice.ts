import type * as Model from "../model/types.ts"
import type { ResponsesToolChoice } from "../wire/responses-request.ts"
import type { ToolChoiceOut } from "../wire/responses-out.ts"

/**
 * Responses tool_choice to the internal one. `allowed_tools` lists flat function tools
 * (`{type, name}`); the internal form keeps chat's `{type, function: {name}}`, which
 * the chat encoder forwards verbatim. Hosted-tool entries are refused by the decoder.
 */
export function toolChoiceFromResponses(choice: ResponsesToolChoice): Model.ToolChoice {
  if (typeof choice === "string") return choice
  switch (choice.type) {
    case "function":
      return { type: "function", name: choice.name }
    case "allowed_tools":
      return { type: "allowed_tools", mode: choice.mode, tools: choice.tools.map((tool) => ({ type: "function", function: { name: tool["name"] } })) }
    default: {
      const unreachable: never = choice
      return unreachable
    }
  }
}

/** The internal choice as a Response echoes it (flat function names). */
export function toolChoiceToResponses(choice: Model.ToolChoice): ToolChoiceOut {
  if (typeof choice === "string") return choice
  switch (choice.type) {
    case "function":
      return { type: "function", name: choice.name }
    case "allowed_tools":
      return { type: "allowed_tools", mode: choice.mode, tools: choice.tools.map(flatTool) }
    default: {
      const unreachable: never = choice
      return unreachable
    }
  }
}

function flatTool(tool: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const fn = tool["function"]
  const name = typeof fn === "object" && fn !== null && "name" in fn ? fn.name : undefined
  return typeof name === "string" ? { type: "function", name } : tool
}
