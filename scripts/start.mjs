// The gateway's start command. The Harper plugin (packages/harper-resources) is not built yet:
// until it is, this says so and exits non-zero rather than pretending to serve.
console.error(
  "The Harper gateway is not built yet: packages/translate (the translation core) is ready, " +
    "the Harper plugin that serves /v1 comes next. See README.md.",
)
process.exit(1)
