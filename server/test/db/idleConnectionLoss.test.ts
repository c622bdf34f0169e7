import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_ADMIN_URL, postgresAvailable } from '../helpers/services.js';
import { startTestServer, type TestServer } from '../helpers/testServer.js';

/**
 * PostgreSQL may close a pooled connection while it sits idle (restart, failover, an admin's
 * pg_terminate_backend). The server must shrug that off: no crash, and the next request works.
 */
describe.skipIf(!(await postgresAvailable()))('idle PostgreSQL connections that die', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ database: 'postgres' });
  });
  afterAll(() => s?.stop());

  it('do not end the process, and the next request gets a fresh connection', async () => {
    const user = await s.api.newUser();
    // Several concurrent requests leave several idle connections in the pool.
    await Promise.all(Array.from({ length: 5 }, () => s.api.get('/api/auth/me', user.token)));
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
    try {
      const database = new URL(s.config.databaseUrl).pathname.slice(1);
      const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [
        database,
      ]);
      expect(killed.rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    // The pool hears of each death asynchronously; give it a moment before asking again.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await s.api.get('/api/auth/me', user.token)).status).toBe(200);
    expect((await s.api.get('/readyz')).status).toBe(200);
  });
});
