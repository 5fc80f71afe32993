import { Schema } from "effect"
import type { UrlCitation } from "../model/types.ts"
import { UrlCitationAnnotation } from "../wire/chat-completion.ts"
import type { UrlCitationOut } from "../wire/chat-completion-out.ts"

const isUrlCitation = Schema.is(UrlCitationAnnotation)

/** Upstream `annotations` to URL citations; `invalid` counts the ones that are not (they cannot be sent spec-valid). */
export function annotationsFromOpenAI(annotations: readonly unknown[]): { readonly citations: readonly UrlCitation[]; readonly invalid: number } {
  const citations: UrlCitation[] = []
  for (const annotation of annotations) {
    if (!isUrlCitation(annotation)) continue
    const c = annotation.url_citation
    citations.push({ type: "url_citation", url: c.url, title: c.title, startIndex: c.start_index, endIndex: c.end_index })
  }
  return { citations, invalid: annotations.length - citations.length }
}

export function annotationsToOpenAI(citations: readonly UrlCitation[]): UrlCitationOut[] {
  return citations.map((c) => ({ type: "url_citation", url_citation: { url: c.url, title: c.title, start_index: c.startIndex, end_index: c.endIndex } }))
}
