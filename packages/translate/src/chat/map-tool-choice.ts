import type * as Model from "../model/types.ts"
import type * as Wire from "../wire/chat-request.ts"

export function toolChoiceFromOpenAI(choice: Wire.ToolChoice): Model.ToolChoice {
  return typeof choice === "string" ? choice : { type: "function", name: choice.function.name }
}

export function toolChoiceToOpenAI(choice: Model.ToolChoice): Wire.ToolChoice {
  return typeof choice === "string" ? choice : { type: "function", function: { name: choice.name } }
}
