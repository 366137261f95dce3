import { readdirSync } from "node:fs";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { MigrationError, openPostgresStore } from "../../src/store/index.js";
import { migrate } from "../../src/store/postgres/migrate.js";
import { MIGRATIONS } from "../../src/store/postgres/migrations/index.js";
import { PG_SKIP_MESSAGE, PG_URL, postgresBackend } from "./backends.js";

describe("PostgreSQL migrations registry", () => {
  it("counts up from 1, one file per migration, names matching (STYLE.md §7)", () => {
    const dir = new URL("../../src/store/postgres/migrations/", import.meta.url);
    const files = readdirSync(dir)
      .filter((f) => /^\d{4}-.+\.ts$/.test(f))
      .sort();
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(files).toEqual(MIGRATIONS.map((m) => `${String(m.version).padStart(4, "0")}-${m.name}.ts`));
  });
});

if (!PG_URL) console.warn(PG_SKIP_MESSAGE);

describe.skipIf(!PG_URL)("PostgreSQL migrations", () => {
  const backend = postgresBackend();
  afterAll(() => backend.cleanup());

  const versions = async (schema: string) => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
      );
      return rows.map((r: { version: number }) => r.version);
    } finally {
      await client.end();
    }
  };

  it("two replicas starting at once migrate once; a restart applies nothing", async () => {
    const db = await backend.fresh();
    const stores = await Promise.all([db.open(), db.open(), db.open()]);
    expect(await versions(db.name)).toEqual(MIGRATIONS.map((m) => m.version));
    await stores[0]!.insertKey({
      id: "key_m",
      name: "m",
      team: "t",
      role: "user",
      models: ["*"],
      status: "active",
      hash: "ab",
      prefix: "pcx_",
      createdAt: 1,
      updatedAt: 1,
      expiresAt: null,
    });
    expect((await stores[2]!.listKeys()).map((k) => k.id)).toEqual(["key_m"]);
    await Promise.all(stores.map((s) => s.close()));
    const again = await db.open();
    expect(await again.keysVersion()).toBe(1);
    await again.close();
  });

  it("records each migration once and refuses a database newer than the code", async () => {
    const schema = `pcx_test_${process.pid}_mig`;
    const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
    try {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      expect(await migrate(pool, schema)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await migrate(pool, schema)).toEqual([]);
      expect(await versions(schema)).toEqual(MIGRATIONS.map((m) => m.version));
      // A later migration is applied on the next start, after the earlier ones.
      const next = { version: MIGRATIONS.length + 1, name: "extra", sql: "CREATE TABLE extra (x int)" };
      expect(await migrate(pool, schema, [...MIGRATIONS, next])).toEqual([next.version]);
      // The older code then meets a schema it does not know, and stops rather than guess.
      await expect(openPostgresStore({ url: PG_URL!, schema })).rejects.toThrow(MigrationError);
      // A failing migration leaves nothing half-done behind.
      const broken = {
        version: next.version + 1,
        name: "broken",
        sql: "CREATE TABLE half (x int); SELECT 1/0",
      };
      await expect(migrate(pool, schema, [...MIGRATIONS, next, broken])).rejects.toThrow(/division by zero/);
      const half = await pool.query(`SELECT to_regclass('"${schema}".half') AS t`);
      expect(half.rows[0].t).toBeNull();
      expect(await versions(schema)).toEqual([...MIGRATIONS.map((m) => m.version), next.version]);
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    }
  });

  it("fails fast with a clear error when the server cannot be reached", async () => {
    const started = Date.now();
    await expect(openPostgresStore({ url: "postgres://postgres@127.0.0.1:1/test" })).rejects.toThrow(
      /ECONNREFUSED|connect/,
    );
    expect(Date.now() - started).toBeLessThan(6000);
  });
});
