import type { ModelList, ModelObject } from "../wire/models.ts"

export interface ModelEntry {
  readonly id: string
  /** Unix seconds. */
  readonly created: number
  readonly ownedBy: string
}

export function toModelObject(entry: ModelEntry): ModelObject {
  return { id: entry.id, object: "model", created: entry.created, owned_by: entry.ownedBy }
}

export function toModelList(entries: readonly ModelEntry[]): ModelList {
  return { object: "list", data: entries.map(toModelObject) }
}
