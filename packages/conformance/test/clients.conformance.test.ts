/**
 * The conformance suite (conformance-suite.ts) against the openai backend: its table is
 * docs/conformance.md. The other backends' files are clients-<provider>.conformance.test.ts.
 */
import { runConformanceSuite } from "./conformance-suite.ts"
import { openAITarget } from "./openai-target.ts"

runConformanceSuite(openAITarget)
