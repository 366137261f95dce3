import * as init from "./0001-init.js";
import * as payloads from "./0002-payloads.js";
import * as incidents from "./0003-incidents.js";

export interface Migration {
  /** Applied in increasing order; recorded in `schema_migrations`. Never renumber or edit a shipped one. */
  version: number;
  name: string;
  sql: string;
}

/**
 * Every migration, in order. Adding one: a new `NNNN-name.ts` file beside this one exporting `sql`,
 * and one line here; a test checks that versions count up from 1 and match the file names.
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "init", sql: init.sql },
  { version: 2, name: "payloads", sql: payloads.sql },
  { version: 3, name: "incidents", sql: incidents.sql },
];
