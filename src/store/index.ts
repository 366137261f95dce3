import { openPostgresStore, type PostgresStoreOptions } from "./postgres/index.js";
import { openSqliteStore } from "./sqlite/index.js";
import type { Store } from "./types.js";

export type * from "./types.js";
export { openSqliteStore } from "./sqlite/index.js";
export { openPostgresStore, type PostgresStoreOptions } from "./postgres/index.js";
export { MigrationError } from "./postgres/migrate.js";

/** Which store to open: the composition root maps the `store` config section onto this. */
export type StoreOptions = { type: "sqlite"; file: string } | ({ type: "postgres" } & PostgresStoreOptions);

/** Opens the configured backend; PostgreSQL is migrated before this resolves. */
export async function openStore(options: StoreOptions): Promise<Store> {
  return options.type === "sqlite" ? openSqliteStore(options.file) : openPostgresStore(options);
}
