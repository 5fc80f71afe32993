import { defineConfig } from "vitest/config"

// The same margins as the repository's root config, for `vitest run` inside this package:
// the OpenAPI validator compiles the whole spec (about 1 s idle), so vitest's default 5 s is too tight on a busy 2-core machine.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
})
