import { toModelList, toModelObject } from "@harper-gateway/translate"
import type { Gateway } from "./gateway.ts"
import { handleV1 } from "./handle-v1.ts"
import { pathId } from "./path-id.ts"
import type { HarperRequest } from "./harper-request.ts"
import { errorResponse, jsonResponse, type HarperResponse } from "./respond.ts"

/** GET /v1/models and GET /v1/models/{id}: configured logical names and the ids backends advertise. */
export function models(gateway: Gateway, request: HarperRequest, pathname: string, loadedAt: number): Promise<HarperResponse> {
  return handleV1(gateway, request, "models", async (principal) => {
    const visible = gateway.models.models().filter((model) => principal.allowedModels === undefined || principal.allowedModels.includes(model.id))
    const entries = visible.map((model) => ({ id: model.id, created: loadedAt, ownedBy: model.ownedBy }))
    const id = pathId(pathname)
    if (id === undefined) return errorResponse({ _tag: "ModelNotFound", model: pathname.replace(/^\/+/, "") })
    if (id === "") return jsonResponse(200, toModelList(entries))
    const entry = entries.find((candidate) => candidate.id === id)
    return entry === undefined ? errorResponse({ _tag: "ModelNotFound", model: id }) : jsonResponse(200, toModelObject(entry))
  })
}
