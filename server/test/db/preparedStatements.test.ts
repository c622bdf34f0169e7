import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';

/** SQLite statements are prepared once per SQL text and reused: reuse must never show stale or busy statements. */
describe('SQLite statements prepared once', () => {
  let handle: DatabaseHandle;
  afterEach(() => handle.close());

  it('a reused statement sees a schema change and new parameters', async () => {
    handle = openDatabase('sqlite::memory:');
    const { db } = handle;
    await sql`create table t (a integer)`.execute(db);
    await sql`insert into t (a) values (1), (2)`.execute(db);
    const all = () => sql<Record<string, number>>`select * from t where a >= ${1} order by a`.execute(db);
    expect((await all()).rows).toEqual([{ a: 1 }, { a: 2 }]);
    await sql`alter table t add column b integer default 7`.execute(db);
    expect((await all()).rows).toEqual([
      { a: 1, b: 7 },
      { a: 2, b: 7 },
    ]);
    const from = (n: number) => sql<{ a: number }>`select a from t where a >= ${n}`.execute(db);
    expect((await from(2)).rows).toEqual([{ a: 2 }]);
    expect((await from(3)).rows).toEqual([]);
  });

  it('a stream left early frees its statement for the next run of the same query', async () => {
    handle = openDatabase('sqlite::memory:');
    const { db } = handle;
    await sql`create table t (a integer)`.execute(db);
    await sql`insert into t (a) values (1), (2), (3)`.execute(db);
    const query = () => db.withTables<{ t: { a: number } }>().selectFrom('t').select('a').orderBy('a');
    for await (const row of query().stream()) {
      expect(row).toEqual({ a: 1 });
      break;
    }
    expect(await query().execute()).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
  });
});
