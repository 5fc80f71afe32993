import type { HarperRequest } from "./http/harper-request.ts"

/** The parts of Harper 4.7's plugin `scope` the gateway uses (declared here; Harper's own typings are loose). */
export interface PluginScope {
  /** The application's directory. */
  readonly directory: string
  readonly options: { getAll(): unknown; on(event: "change", listener: () => void): unknown }
  readonly resources: { set(path: string, resource: unknown, exportTypes?: Readonly<Record<string, boolean>>): void }
  readonly server: {
    http(listener: (request: HarperRequest, next: (request: HarperRequest) => unknown) => unknown, options?: { readonly runFirst?: boolean }): void
  }
  readonly logger: {
    error(...args: unknown[]): void
    warn(...args: unknown[]): void
    notify?(...args: unknown[]): void
    info?(...args: unknown[]): void
  }
}
