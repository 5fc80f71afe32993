import type { Conversation, GenerateInput } from "./types.ts"

/** Harper 5's input forms to one conversation: a string is one user turn; `system` becomes the first message. */
export function toConversation(input: GenerateInput): Conversation {
  if (typeof input === "string") return { messages: [{ role: "user", content: input }] }
  if (isMessageList(input)) return { messages: input }
  const { system, ...conversation } = input
  return system === undefined ? conversation : { ...conversation, messages: [{ role: "system", content: system }, ...conversation.messages] }
}

function isMessageList(input: Exclude<GenerateInput, string>): input is Extract<GenerateInput, readonly unknown[]> {
  return Array.isArray(input)
}
