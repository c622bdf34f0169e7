import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '../../src/db/database.js';
import { MIGRATIONS } from '../helpers/migrations.js';
import { createPostgresDatabase, postgresAvailable } from '../helpers/services.js';

const pgDatabases: Array<{ drop(): Promise<void> }> = [];
afterAll(async () => {
  for (const db of pgDatabases) await db.drop();
});

const targets: Array<[string, () => Promise<string>]> = [
  ['sqlite', async () => `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'dropline-mig-')), 'db.sqlite')}`],
];
if (await postgresAvailable()) {
  targets.push([
    'postgres',
    async () => {
      const created = await createPostgresDatabase();
      pgDatabases.push(created);
      return created.url;
    },
  ]);
}

describe.each(targets)('migrations on %s', (_name, makeUrl) => {
  it('apply to an empty database, then re-run as a no-op', async () => {
    const handle = openDatabase(await makeUrl());
    try {
      expect(await migrateToLatest(handle.db)).toEqual(MIGRATIONS);
      expect(await migrateToLatest(handle.db)).toEqual([]);
      const tables = (await handle.db.introspection.getTables()).map((t) => t.name).sort();
      expect(tables).toEqual(expect.arrayContaining(['files', 'jobs', 'refresh_tokens', 'sessions', 'uploads', 'users']));
      const files = (await handle.db.introspection.getTables()).find((t) => t.name === 'files')!;
      expect(files.columns.map((c) => c.name)).toEqual(
        expect.arrayContaining(['owner_id', 'storage_key', 'size', 'mime_type', 'status', 'sha256', 'extracted', 'error', 'processed_at']),
      );
      const uploads = (await handle.db.introspection.getTables()).find((t) => t.name === 'uploads')!;
      expect(uploads.columns.map((c) => c.name)).toEqual(
        expect.arrayContaining(['concat', 'parts', 'hash_state', 'hash_offset', 'sha256', 'protocol']),
      );
    } finally {
      await handle.close();
    }
  });

  it('apply a migration that landed after a higher one had already run (012_encryption after 013_search)', async () => {
    const handle = openDatabase(await makeUrl());
    try {
      await migrateToLatest(handle.db);
      // A database migrated by a server that did not have 012 yet.
      await handle.db.schema.dropTable('encryption_keys').execute();
      await sql`delete from kysely_migration where name = '012_encryption'`.execute(handle.db);
      expect(await migrateToLatest(handle.db)).toEqual(['012_encryption']);
      expect((await handle.db.introspection.getTables()).map((t) => t.name)).toContain('encryption_keys');
    } finally {
      await handle.close();
    }
  });

  it('refuses a status outside the four contract states', async () => {
    const handle = openDatabase(await makeUrl());
    try {
      await migrateToLatest(handle.db);
      const at = new Date().toISOString();
      await handle.db
        .insertInto('users')
        .values({ id: 'u1', email: 'a@b.co', password_hash: 'x', role: 'user', display_name: 'a', created_at: at, updated_at: at })
        .execute();
      const insert = (status: string) =>
        handle.db
          .insertInto('files')
          .values({
            id: `f-${status}`,
            owner_id: 'u1',
            filename: 'a',
            storage_key: 'a',
            size: 5 * 2 ** 30,
            mime_type: 'x/y',
            status: status as 'uploaded',
            created_at: at,
            updated_at: at,
          })
          .execute();
      await insert('uploaded');
      await expect(insert('exploded')).rejects.toThrow();
      // Sizes beyond 32 bits come back as exact numbers on every engine.
      const row = await handle.db.selectFrom('files').select('size').where('id', '=', 'f-uploaded').executeTakeFirstOrThrow();
      expect(row.size).toBe(5 * 2 ** 30);
    } finally {
      await handle.close();
    }
  });
});
