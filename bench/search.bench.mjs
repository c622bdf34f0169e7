// GET /api/files at scale: seeds BENCH_FILES files (default 1,000,000; 90% in one account) on
// SQLite and on PostgreSQL (when it answers at BENCH_POSTGRES_URL), then reports p50/p95 of each
// query shape through the real server, next to the same query as it was written before the search
// index and counters (LIKE scan, COUNT(*), plain OFFSET), timed on the same database in the same run.
// BENCH_FILES=0 skips the bench (CI's `pnpm bench` need not seed a million rows).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = (p) => pathToFileURL(path.join(here, '../server/dist', p)).href;
const require = createRequire(path.join(here, '../server/package.json'));
const pg = require('pg');
const { loadConfig } = await import(dist('config/config.js'));
const { startServer } = await import(dist('server.js'));
const { openDatabase } = await import(dist('db/database.js'));
const { sql } = require('kysely');

const TOTAL = Number(process.env.BENCH_FILES ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const POSTGRES = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
if (TOTAL === 0) {
  console.log('BENCH_FILES=0: search bench skipped');
  process.exit(0);
}
const BIG = Math.round(TOTAL * 0.9);
const OTHERS = 10;
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango', 'uniform', 'victor', 'whiskey', 'xray', 'yankee', 'zulu', 'report', 'backup', 'holiday', 'invoice', 'scan', 'photo', 'video', 'ubuntu', 'debian', 'fedora', 'archive', 'draft', 'final', 'notes'];
const TYPES = [['png', 'image/png'], ['jpg', 'image/jpeg'], ['pdf', 'application/pdf'], ['iso', 'application/x-iso9660-image'], ['zip', 'application/zip'], ['txt', 'text/plain'], ['mp4', 'video/mp4']];
const START = Date.UTC(2023, 0, 1);
const SPAN = 2 * 365 * 86_400_000;

/** Deterministic pseudo-random numbers, so both engines get the same corpus. */
function rng(seed) {
  let x = seed >>> 0;
  return () => ((x = (x * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function* rows(ownerIds) {
  const r = rng(7);
  for (let i = 0; i < TOTAL; i++) {
    const owner = i < BIG ? ownerIds[0] : ownerIds[1 + (i % OTHERS)];
    const [ext, mime] = TYPES[Math.floor(r() * TYPES.length)];
    const name = `${WORDS[Math.floor(r() * WORDS.length)]}-${WORDS[Math.floor(r() * WORDS.length)]}-${i}.${ext}`;
    const at = new Date(START + Math.floor((i / TOTAL) * SPAN)).toISOString();
    yield [`b${i.toString(36).padStart(8, '0')}`, owner, name, `uploads/b${i}`, 1000 + (i % 5000), mime, r() < 0.1 ? `Title ${WORDS[i % WORDS.length]} ${i}` : null, at];
  }
}

/**
 * Bulk load: the files table's triggers and secondary indexes are dropped and made again from their
 * own stored definitions (so the bench follows whatever the migrations define), the rows go in
 * large transactions through one prepared statement, the search index and counters are filled with
 * one statement each afterwards.
 */
async function seedSqlite(file, ownerIds) {
  const Database = require('better-sqlite3');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const saved = db.prepare(`select type, name, sql from sqlite_master where tbl_name = 'files' and type in ('trigger', 'index') and sql is not null`).all();
  for (const { type, name } of saved) db.exec(`drop ${type} "${name}"`);
  const insert = db.prepare(
    `insert into files (id, owner_id, filename, storage_key, size, mime_type, title, status, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, 'processed', ?, ?)`,
  );
  const batch = db.transaction((list) => {
    for (const row of list) insert.run(...row, row[7]);
  });
  let list = [];
  for (const row of rows(ownerIds)) {
    list.push(row);
    if (list.length === 100_000) (batch(list), (list = []));
  }
  batch(list);
  db.exec(`insert into files_fts(rowid, filename, title) select rowid, filename, coalesce(title, '') from files`);
  db.exec(`insert into files_fts(files_fts) values ('optimize')`);
  for (const { sql: definition } of saved) db.exec(definition);
  db.exec(`update users set files_bytes = coalesce((select sum(size) from files where owner_id = users.id), 0), file_count = (select count(*) from files where owner_id = users.id)`);
  db.exec('analyze');
  db.close();
}

/** Bulk load as for SQLite: triggers off, secondary indexes remade from pg_indexes, rows sent as arrays through unnest. */
async function seedPostgres(url, ownerIds) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`set session_replication_role = replica`);
  await client.query(`set maintenance_work_mem = '256MB'`);
  const { rows: indexes } = await client.query(
    `select i.indexname, i.indexdef from pg_indexes i where i.tablename = 'files' and i.schemaname = current_schema()
       and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
  );
  for (const { indexname } of indexes) await client.query(`drop index "${indexname}"`);
  const columns = [[], [], [], [], [], [], [], []];
  const flush = async () => {
    if (columns[0].length === 0) return;
    await client.query(
      `insert into files (id, owner_id, filename, storage_key, size, mime_type, title, status, created_at, updated_at)
       select id, owner_id, filename, storage_key, size, mime_type, title, 'processed', created_at, created_at
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[])
         as t(id, owner_id, filename, storage_key, size, mime_type, title, created_at)`,
      columns,
    );
    for (const c of columns) c.length = 0;
  };
  for (const row of rows(ownerIds)) {
    row.forEach((value, i) => columns[i].push(value));
    if (columns[0].length === 50_000) await flush();
  }
  await flush();
  await client.query(`set session_replication_role = origin`);
  for (const { indexdef } of indexes) await client.query(indexdef);
  await client.query(`update users set files_bytes = coalesce((select sum(size) from files where owner_id = users.id), 0), file_count = (select count(*) from files where owner_id = users.id)`);
  await client.query('vacuum analyze files');
  await client.end();
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function time(fn) {
  for (let i = 0; i < 3; i++) await fn();
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

async function bench(engine) {
  const storageDir = await mkdtemp(path.join(tmpdir(), 'dropline-bench-'));
  let pgName;
  const env = { NODE_ENV: 'test', STORAGE_DIR: storageDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT: '1000000', AUTH_RATE_LIMIT: '1000000', SEED_USERS: 'admin@example.com:admin-password-1:admin', CLIENT_DIR: path.join(storageDir, 'none') };
  if (engine === 'postgres') {
    pgName = `dropline_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: POSTGRES });
    try {
      await admin.connect();
    } catch {
      console.log('PostgreSQL not reachable: skipped');
      return;
    }
    await admin.query(`create database ${pgName}`);
    await admin.end();
    const url = new URL(POSTGRES);
    url.pathname = `/${pgName}`;
    env.DATABASE_URL = url.toString();
  }
  let server = await startServer(loadConfig(env));
  const api = async (url, token) => {
    const request = () => fetch(server.url + url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    // A kept-alive connection idle through a long "before" query may be closed as it is reused: ask again once.
    const res = await request().catch(request);
    const body = await res.json();
    if (res.status >= 300) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const post = (url, json) => fetch(server.url + url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) }).then((r) => r.json());
  const users = [];
  for (let i = 0; i <= OTHERS; i++) users.push(await post('/api/auth/register', { email: `bench${i}@example.com`, password: 'bench-password' }));
  const config = loadConfig(env);
  await server.close();

  const seeded = performance.now();
  if (engine === 'sqlite') await seedSqlite(config.databaseUrl.slice('sqlite:'.length), users.map((u) => u.user.id));
  else await seedPostgres(env.DATABASE_URL, users.map((u) => u.user.id));
  console.log(`${engine}: seeded ${TOTAL.toLocaleString()} files in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);

  server = await startServer(loadConfig(env));
  const big = (await post('/api/auth/login', { email: 'bench0@example.com', password: 'bench-password' })).accessToken;
  const admin = (await post('/api/auth/login', { email: 'admin@example.com', password: 'admin-password-1' })).accessToken;
  const owner = users[0].user.id;
  const from = new Date(START + SPAN / 2).toISOString().slice(0, 10);
  const to = new Date(START + SPAN / 2 + 30 * 86_400_000).toISOString().slice(0, 10);
  const deepPage = Math.max(1, Math.floor(BIG / 20 / 2));
  const hit = 'oscar-quebec-1';

  // The queries as they were before this change, run straight on the database: LIKE over every
  // row, COUNT(*) for totals, OFFSET through full rows.
  const handle = openDatabase(config.databaseUrl);
  const db = handle.db;
  const like = (q) => sql`(lower(f.filename) like lower(${`%${q}%`}) or lower(f.title) like lower(${`%${q}%`}))`;
  const list = (where, extra = sql``) => sql`select f.*, u.email from files f join users u on u.id = f.owner_id where ${where} order by f.created_at desc, f.id desc limit 21 ${extra}`.execute(db);
  const mine = sql`f.owner_id = ${owner}`;
  const shapes = [
    ['newest', `/api/files?limit=20`, big, () => list(mine)],
    ['substring hit', `/api/files?limit=20&q=${hit}`, big, () => list(sql`${mine} and ${like(hit)}`)],
    ['substring miss', `/api/files?limit=20&q=zzqqxx`, big, () => list(sql`${mine} and ${like('zzqqxx')}`)],
    ['type', `/api/files?limit=20&type=application/zip`, big, () => list(sql`${mine} and f.mime_type = 'application/zip'`)],
    ['date range', `/api/files?limit=20&from=${from}&to=${to}`, big, () => list(sql`${mine} and f.created_at >= ${from} and f.created_at < ${to}`)],
    ['combined', `/api/files?limit=20&q=oscar&type=image/&from=${from}&to=${to}`, big, () => list(sql`${mine} and ${like('oscar')} and f.mime_type like 'image/%' and f.created_at >= ${from} and f.created_at < ${to}`)],
    ['page=1', `/api/files?page=1&pageSize=20`, big, async () => (await list(mine), await sql`select count(*) from files f where ${mine}`.execute(db))],
    [`page=${deepPage}`, `/api/files?page=${deepPage}&pageSize=20`, big, async () => (await list(mine, sql`offset ${(deepPage - 1) * 20}`), await sql`select count(*) from files f where ${mine}`.execute(db))],
    ['admin owner=all miss', `/api/files?limit=20&owner=all&q=zzqqxx`, admin, () => list(sql`${like('zzqqxx')}`)],
  ];
  const target = engine === 'sqlite' ? 10 : 20;
  console.log(`${engine}: p50 / p95 in ms (target p95 < ${target} ms); "before" = the old SQL on the same data, database time only`);
  console.log(`  ${'shape'.padEnd(22)} ${'API p50'.padStart(8)} ${'API p95'.padStart(8)}   ${'before p50'.padStart(10)} ${'before p95'.padStart(10)}`);
  for (const [name, url, token, before] of shapes) {
    const now = await time(() => api(url, token));
    const old = await time(before);
    const mark = now.p95 < target ? '' : '  (over target)';
    console.log(`  ${name.padEnd(22)} ${now.p50.toFixed(1).padStart(8)} ${now.p95.toFixed(1).padStart(8)}   ${old.p50.toFixed(1).padStart(10)} ${old.p95.toFixed(1).padStart(10)}${mark}`);
  }
  await handle.close();
  await server.close();
  await rm(storageDir, { recursive: true, force: true });
  if (pgName) {
    const admin = new pg.Client({ connectionString: POSTGRES });
    await admin.connect();
    await admin.query(`drop database if exists ${pgName} with (force)`);
    await admin.end();
  }
}

await bench('sqlite');
await bench('postgres');
