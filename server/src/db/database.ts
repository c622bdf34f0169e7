import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Dialect, type Insertable, type SqliteDatabase } from 'kysely';
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

/**
 * Inserts `row` unless one with the same `key` is there, and then writes `alsoWrite` in the same
 * transaction; whether this call inserted it, told by the affected-row count rather than a
 * unique-violation error, whose shape differs between the engines.
 */
export function insertIfAbsent<T extends keyof Database & string>(
  db: Db,
  table: T,
  row: Insertable<Database[T]>,
  key: keyof Database[T] & string,
  alsoWrite?: (db: Db) => Promise<void>,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const result = await trx
      .insertInto(table)
      .values(row)
      .onConflict((oc) => oc.column(key).doNothing())
      .executeTakeFirst();
    const inserted = Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
    if (inserted) await alsoWrite?.(trx);
    return inserted;
  });
}

export interface DatabaseHandle {
  db: Db;
  kind: 'sqlite' | 'postgres';
  /** Answers whether the database can serve a query right now (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// PostgreSQL returns bigint (int8) as text; sizes fit in a JS number up to 8 PiB.
const INT8_OID = 20;

/**
 * The only place that knows which database engine is behind DATABASE_URL. `onIdleError` hears
 * about pooled PostgreSQL connections that die while idle (a server restart, a failover, an admin
 * terminating them): pg drops such a connection and opens a new one for the next query, but
 * without a listener its 'error' event would end the whole process.
 */
export function openDatabase(databaseUrl: string, onIdleError: (err: Error) => void = () => {}): DatabaseHandle {
  let dialect: Dialect;
  let kind: DatabaseHandle['kind'];
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    // SQLite's default page cache is 2 MiB; past it every page of an index walk or a row lookup is a
    // read from the OS. 64 MiB holds the hot part of a million files' indexes: the newest page of
    // them read in 0.28 ms instead of 0.58, an FTS lookup of a common text in 1.8 ms instead of 3.7.
    sqlite.pragma('cache_size = -65536');
    // SQLite's own lower() folds ASCII letters only; searches for other letters fold with this one,
    // as PostgreSQL's lower() does (code point by code point, so 'Σ' is always 'σ').
    sqlite.function('unicode_lower', { deterministic: true }, (text: unknown) =>
      typeof text === 'string' ? Array.from(text, (c) => c.toLowerCase()).join('') : text,
    );
    dialect = new SqliteDialect({ database: preparedOnce(sqlite) });
    kind = 'sqlite';
  } else {
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      max: 10,
      types: { getTypeParser: (oid, format) => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) },
    });
    pool.on('error', onIdleError);
    dialect = new PostgresDialect({
      pool,
      // Every query here is bounded (indexes, capped counts, windows), yet a capped count that walks
      // 20,000 rows looks costly enough for the planner to start two parallel workers, whose start
      // took 100-400 ms on a busy machine instead of the 15 the walk takes. Set per connection, not
      // per query (a transaction with SET LOCAL around it cost four round trips instead of one); a
      // connection pooler that does not keep it only loses the saving.
      onCreateConnection: async (connection) => {
        await connection.executeQuery(CompiledQuery.raw('set max_parallel_workers_per_gather = 0'));
      },
    });
    kind = 'postgres';
  }
  const db = new Kysely<Database>({ dialect });
  return {
    db,
    kind,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

/** Distinct statements kept prepared; texts vary with list lengths (`in (...)`), so some come and go. */
const PREPARED_STATEMENTS = 500;

/**
 * The SQLite connection as Kysely sees it, with each statement prepared once per SQL text: Kysely
 * prepares every query it runs, and preparing cost 30-130 us against 40 us for running a primary-key
 * lookup (on the event loop: an API request runs two or three queries, a tus PATCH five). One
 * connection behind Kysely's lock uses them, so a statement is never run twice at once.
 */
function preparedOnce(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new LRUCache<string, SQLite.Statement>({ max: PREPARED_STATEMENTS });
  return {
    close: () => sqlite.close(),
    prepare: (text) => {
      let statement = statements.get(text);
      if (!statement) {
        statement = sqlite.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

/** Brings the schema to the latest version; running it again on an up-to-date database does nothing. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  // Numbers are handed out to work in progress, so one may land after a higher one has run
  // (012_encryption after 013_search): it is applied then rather than refused.
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
