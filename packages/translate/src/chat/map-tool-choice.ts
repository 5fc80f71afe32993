import type * as Model from "../model/types.ts"
import type * as Wire from "../wire/chat-request.ts"

export function toolChoiceFromOpenAI(choice: Wire.ToolChoice): Model.ToolChoice {
  if (typeof choice === "string") return choice
  switch (choice.type) {
    case "function":
      return { type: "function", name: choice.function.name }
    case "allowed_tools":
      return { type: "allowed_tools", mode: choice.allowed_tools.mode, tools: choice.allowed_tools.tools }
    default: {
      const unreachable: never = choice
      return unreachable
    }
  }
}

export function toolChoiceToOpenAI(choice: Model.ToolChoice): Wire.ToolChoice {
  if (typeof choice === "string") return choice
  switch (choice.type) {
    case "function":
      return { type: "function", function: { name: choice.name } }
    case "allowed_tools":
      return { type: "allowed_tools", allowed_tools: { mode: choice.mode, tools: choice.tools } }
    default: {
      const unreachable: never = choice
      return unreachable
    }
  }
}
