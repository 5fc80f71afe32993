import { describe, expect, it } from "vitest"
import { testRow } from "../../test/test-row.ts"
import { fromJournalLine } from "./model-call-record.ts"

describe("journal lines and the attempt columns", () => {
  it("a line written before routing (no callId, attempt, lastAttempt, deployment) still replays, unchanged", () => {
    const before = testRow("old")
    expect(fromJournalLine(before)).toEqual(before)
    expect(fromJournalLine(before)).not.toHaveProperty("callId")
  })
  it("a line with them keeps them", () => {
    const line = testRow("a2", { callId: "call-1", attempt: 2, lastAttempt: true, deployment: "eu" })
    expect(fromJournalLine(JSON.parse(JSON.stringify(line)))).toMatchObject({ id: "a2", callId: "call-1", attempt: 2, lastAttempt: true, deployment: "eu" })
  })
})
