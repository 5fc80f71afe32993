export * from "./responses-request.ts"
export * from "./responses-out.ts"
export * from "./responses-in.ts"
