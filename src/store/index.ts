export type * from "./types.js";
export { openSqliteStore } from "./sqlite/index.js";
