import { Migrator } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.js';
import { migrateToLatest, openDatabase } from '../../src/db/database.js';
import { migrationProvider } from '../../src/db/migrations/index.js';
import { migrationsFrom } from '../helpers/migrations.js';
import { createPostgresDatabase, postgresAvailable } from '../helpers/services.js';
import { errorCode, startTestServer, withDatabase, type TestServer } from '../helpers/testServer.js';

const databases: Array<'sqlite' | 'postgres'> = ['sqlite', ...((await postgresAvailable()) ? (['postgres'] as const) : [])];

const PASSWORD = 'a long enough password';

/**
 * Accounts as the server stored them before 004 (emails only lower-cased), including the
 * look-alikes issue 15 found: `café` in NFC and NFD, a trailing zero-width space and a trailing NUL.
 */
const OLD_ROWS: Array<[id: string, email: string, createdAt: string]> = [
  ['00000000-aaaa-4000-8000-000000000001', 'caf\u00e9@example.com', '2026-01-01T00:00:00.000Z'],
  ['00000000-bbbb-4000-8000-000000000002', 'cafe\u0301@example.com', '2026-01-02T00:00:00.000Z'],
  ['00000000-cccc-4000-8000-000000000003', 'bob@example.com', '2026-01-03T00:00:00.000Z'],
  ['00000000-dddd-4000-8000-000000000004', 'bob@example.com\u200b', '2026-01-04T00:00:00.000Z'],
  ['00000000-eeee-4000-8000-000000000005', 'bob@example.com\u0000', '2026-01-05T00:00:00.000Z'],
  ['00000000-ffff-4000-8000-000000000006', '\u202e@example.com', '2026-01-06T00:00:00.000Z'],
  ['00000000-1111-4000-8000-000000000007', 'plain.user@example.com', '2026-01-07T00:00:00.000Z'],
];

describe.each(databases)('migration 004_accounts on %s', (database) => {
  let s: TestServer | undefined;
  afterAll(() => s?.stop());

  it('normalises every email, keeps colliding accounts reachable, and gives each a display name', async () => {
    // A server's own storage and database, brought back to 003 and filled as the old code would have.
    s = await startTestServer({ database });
    const hash = await hashPassword(PASSWORD);
    await withDatabase(s, async (db) => {
      await db.deleteFrom('users').execute();
      const migrator = new Migrator({ db, provider: migrationProvider });
      const down = await migrator.migrateTo('003_live_job_per_file');
      expect(down.error).toBeUndefined();
      // PostgreSQL text cannot hold NUL, so there the old code could not have stored that one.
      for (const [id, email, at] of OLD_ROWS.filter(([, email]) => database === 'sqlite' || !email.includes('\u0000'))) {
        await (db as any).insertInto('users').values({ id, email, password_hash: hash, role: 'user', created_at: at, updated_at: at }).execute();
      }
      expect(await migrateToLatest(db)).toEqual(migrationsFrom('004_accounts'));
    });
    const rows = await withDatabase(s, (db) =>
      db.selectFrom('users').select(['id', 'email', 'display_name', 'original_email']).orderBy('created_at').execute(),
    );
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    const [cafeNfc, cafeNfd, bob, bobZw, bobNul, rlo, plain] = OLD_ROWS.map(([id]) => byId[id]!);

    // The oldest keeps the address; the newer look-alike gets a tagged one and keeps its old value on record.
    expect(cafeNfc).toMatchObject({ email: 'caf\u00e9@example.com', display_name: 'caf\u00e9', original_email: null });
    expect(cafeNfd).toMatchObject({
      email: 'caf\u00e9+dup-00000000@example.com',
      display_name: 'caf\u00e9',
      original_email: 'cafe\u0301@example.com',
    });
    expect(bob).toMatchObject({ email: 'bob@example.com', display_name: 'bob', original_email: null });
    // Two collide on the same tag prefix: the second falls back to its id at dropline.invalid.
    expect(bobZw!.email).toBe('bob+dup-00000000@example.com');
    if (database === 'sqlite') expect(bobNul!.email).toBe('00000000-eeee-4000-8000-000000000005@dropline.invalid');
    expect(rlo).toMatchObject({
      email: '00000000-ffff-4000-8000-000000000006@dropline.invalid',
      display_name: 'user',
      original_email: '\u202e@example.com',
    });
    expect(plain).toMatchObject({ email: 'plain.user@example.com', display_name: 'plain.user', original_email: null });
    expect(new Set(rows.map((r) => r.email)).size).toBe(rows.length);

    // Everyone can sign in: the first with their address in any form, the others with the address they were given.
    s = await s.restart();
    for (const email of ['cafe\u0301@example.com', 'CAF\u00c9@example.com', 'bob@example.com']) {
      const res = await s.api.post('/api/auth/login', { email, password: PASSWORD });
      expect(res.status, email).toBe(200);
    }
    expect((await s.api.post('/api/auth/login', { email: 'CAFE\u0301@EXAMPLE.COM', password: PASSWORD })).body.user.id).toBe(cafeNfc!.id);
    for (const row of [cafeNfd, bobZw, bobNul, rlo].filter(Boolean)) {
      const res = await s.api.post('/api/auth/login', { email: row!.email, password: PASSWORD });
      expect(res.status, row!.email).toBe(200);
      expect(res.body.user.id).toBe(row!.id);
    }
    // The old look-alike forms are refused outright now.
    const zw = await s.api.post('/api/auth/login', { email: 'bob@example.com\u200b', password: PASSWORD });
    expect(zw.status).toBe(400);
    expect(errorCode(zw)).toBe('invalid_email');
  });
});

describe.each(databases)('migration 004_accounts down and up on %s', (database) => {
  it('puts the old emails back on the way down', async () => {
    const pg = database === 'postgres' ? await createPostgresDatabase() : null;
    const handle = openDatabase(pg?.url ?? 'sqlite::memory:');
    try {
      const migrator = new Migrator({ db: handle.db, provider: migrationProvider });
      await migrator.migrateTo('003_live_job_per_file');
      const at = '2026-01-01T00:00:00.000Z';
      const later = '2026-01-02T00:00:00.000Z';
      await (handle.db as any)
        .insertInto('users')
        .values({ id: 'a', email: 'cafe\u0301@example.com', password_hash: 'x', role: 'user', created_at: at, updated_at: at })
        .execute();
      await (handle.db as any)
        .insertInto('users')
        .values({ id: 'b', email: 'caf\u00e9@example.com', password_hash: 'x', role: 'user', created_at: later, updated_at: later })
        .execute();
      await migrateToLatest(handle.db);
      const up = await handle.db.selectFrom('users').select(['id', 'email']).orderBy('id').execute();
      expect(up).toEqual([
        { id: 'a', email: 'caf\u00e9@example.com' },
        { id: 'b', email: 'caf\u00e9+dup-b@example.com' },
      ]);
      expect((await migrator.migrateTo('003_live_job_per_file')).error).toBeUndefined();
      const down = await (handle.db as any).selectFrom('users').select(['id', 'email']).orderBy('id').execute();
      expect(down).toEqual([
        { id: 'a', email: 'cafe\u0301@example.com' },
        { id: 'b', email: 'caf\u00e9@example.com' },
      ]);
    } finally {
      await handle.close();
      await pg?.drop();
    }
  });
});
