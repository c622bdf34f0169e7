import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { createPostgresDatabase, postgresAvailable } from '../helpers/services.js';

/**
 * Every pooled PostgreSQL connection is set up before its first query: without parallel workers
 * (see openDatabase), so that no query pays for starting them, whichever connection it gets.
 */
describe.skipIf(!(await postgresAvailable()))('PostgreSQL connections', () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let handle: DatabaseHandle;
  beforeAll(async () => {
    database = await createPostgresDatabase();
    handle = openDatabase(database.url);
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it('plan without parallel workers on every connection of the pool', async () => {
    // Queries at once take several connections; each sleeps so that none is handed back early.
    const settings = await Promise.all(
      Array.from({ length: 6 }, () =>
        sql<{
          setting: string;
          pid: number;
        }>`select current_setting('max_parallel_workers_per_gather') as setting, pg_backend_pid() as pid, pg_sleep(0.05)`.execute(handle.db),
      ),
    );
    expect(new Set(settings.map((r) => r.rows[0]!.pid)).size).toBe(6);
    expect(settings.map((r) => r.rows[0]!.setting)).toEqual(Array(6).fill('0'));
  });
});
