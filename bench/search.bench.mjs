// GET /api/files at scale: seeds BENCH_FILES files (default 1,000,000; 90% in one account) on
// SQLite and on PostgreSQL (when it answers at BENCH_POSTGRES_URL), then reports p50/p95/p99 of each
// query shape through the real server, next to the same query as it was written before the search
// index and counters (LIKE scan, COUNT(*), plain OFFSET), timed on the same database in the same run,
// and p50/p99/max again (500 requests each) while 8 tus uploads stream into the same server. The
// server is the built one in a child process, so the load this process generates is not counted in
// the server's latency.
// BENCH_FILES=0 skips the bench (CI's `pnpm bench` need not seed a million rows); BENCH_KEEP=1 keeps
// the seeded databases for the next run.
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { MiB, createUpload, dataDir, request, startBenchServer } from './common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = (p) => pathToFileURL(path.join(here, '../server/dist', p)).href;
const require = createRequire(path.join(here, '../server/package.json'));
const pg = require('pg');
const { openDatabase } = await import(dist('db/database.js'));
const { FilesRepository } = await import(dist('files/files.repository.js'));
const { NoCache } = await import(dist('cache/metadataCache.js'));
const { decodeCursor } = await import(dist('db/cursor.js'));
const { FILL_FILE_SPANS } = await import(dist('db/migrations/014_search_scale.js'));
const { isoDateBounds } = require('@dropline/contract');
const { sql } = require('kysely');

const TOTAL = Number(process.env.BENCH_FILES ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 100);
// Under load the target is a p99, and of 100 samples that is a single request: each shape is timed
// 500 times there, so 5 requests lie above its p99, and the slowest is shown beside it.
const LOADED_RUNS = Number(process.env.BENCH_LOADED_RUNS ?? 500);
// The old query shapes scan up to every row: fewer runs of them.
const BASELINE_RUNS = Number(process.env.BENCH_BASELINE_RUNS ?? 5);
const UPLOADS = 8;
const POSTGRES = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
if (TOTAL === 0) {
  console.log('BENCH_FILES=0: search bench skipped');
  process.exit(0);
}
const BIG = Math.round(TOTAL * 0.9);
const OTHERS = 10;
const WORDS = [
  'alpha',
  'bravo',
  'charlie',
  'delta',
  'echo',
  'foxtrot',
  'golf',
  'hotel',
  'india',
  'juliet',
  'kilo',
  'lima',
  'mike',
  'november',
  'oscar',
  'papa',
  'quebec',
  'romeo',
  'sierra',
  'tango',
  'uniform',
  'victor',
  'whiskey',
  'xray',
  'yankee',
  'zulu',
  'report',
  'backup',
  'holiday',
  'invoice',
  'scan',
  'photo',
  'video',
  'ubuntu',
  'debian',
  'fedora',
  'archive',
  'draft',
  'final',
  'notes',
];
const TYPES = [
  ['png', 'image/png'],
  ['jpg', 'image/jpeg'],
  ['pdf', 'application/pdf'],
  ['iso', 'application/x-iso9660-image'],
  ['zip', 'application/zip'],
  ['txt', 'text/plain'],
  ['mp4', 'video/mp4'],
];
const START = Date.UTC(2023, 0, 1);
const SPAN = 2 * 365 * 86_400_000;

/** Deterministic pseudo-random numbers, so both engines get the same corpus. */
function rng(seed) {
  let x = seed >>> 0;
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

function* rows(ownerIds) {
  const r = rng(7);
  for (let i = 0; i < TOTAL; i++) {
    const owner = i < BIG ? ownerIds[0] : ownerIds[1 + (i % OTHERS)];
    const [ext, mime] = TYPES[Math.floor(r() * TYPES.length)];
    const name = `${WORDS[Math.floor(r() * WORDS.length)]}-${WORDS[Math.floor(r() * WORDS.length)]}-${i}.${ext}`;
    const at = new Date(START + Math.floor((i / TOTAL) * SPAN)).toISOString();
    yield [
      `b${i.toString(36).padStart(8, '0')}`,
      owner,
      name,
      `uploads/b${i}`,
      1000 + (i % 5000),
      mime,
      r() < 0.1 ? `Title ${WORDS[i % WORDS.length]} ${i}` : null,
      at,
    ];
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
  const saved = db
    .prepare(`select type, name, sql from sqlite_master where tbl_name = 'files' and type in ('trigger', 'index') and sql is not null`)
    .all();
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
    if (list.length === 100_000) {
      batch(list);
      list = [];
    }
  }
  batch(list);
  db.exec(`insert into files_fts(rowid, filename, title) select rowid, filename, coalesce(title, '') from files`);
  db.exec(`insert into files_fts(files_fts) values ('optimize')`);
  for (const { sql: definition } of saved) db.exec(definition);
  db.exec(
    `update users set files_bytes = coalesce((select sum(size) from files where owner_id = users.id), 0), file_count = (select count(*) from files where owner_id = users.id)`,
  );
  db.exec(FILL_FILE_SPANS);
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
    row.forEach((value, i) => {
      columns[i].push(value);
    });
    if (columns[0].length === 50_000) await flush();
  }
  await flush();
  await client.query(`set session_replication_role = origin`);
  for (const { indexdef } of indexes) await client.query(indexdef);
  await client.query(
    `update users set files_bytes = coalesce((select sum(size) from files where owner_id = users.id), 0), file_count = (select count(*) from files where owner_id = users.id)`,
  );
  await client.query(FILL_FILE_SPANS);
  await client.query('vacuum analyze files');
  await client.end();
}

/** Nearest rank: the smallest sample that at least p% of the samples are at or below. */
const percentile = (sorted, p) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];

async function time(fn, runs) {
  for (let i = 0; i < 2; i++) await fn();
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), p99: percentile(samples, 99), max: samples.at(-1) };
}

/**
 * UPLOADS tus uploads of 64 MiB into the big account, each sent in 1 MiB PATCHes and removed once
 * finished (its row comes and goes through ingest and deletion like any file's), round after round
 * until stopped: the load the listing is timed under.
 */
function streamUploads(base, token) {
  const chunk = Buffer.alloc(MiB, 7);
  const size = 64 * MiB;
  const tus = { 'Tus-Resumable': '1.0.0', authorization: `Bearer ${token}` };
  let running = true;
  let bytes = 0;
  const one = async (n) => {
    for (let round = 0; running; round++) {
      const location = await createUpload(base, tus, size, `load-${n}-${round}.bin`);
      for (let offset = 0; offset < size; offset += chunk.length) {
        const res = await request(
          base,
          'PATCH',
          location,
          { ...tus, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(chunk.length) },
          chunk,
        );
        if (res.status !== 204) throw new Error(`tus PATCH: ${res.status} ${res.text}`);
        bytes += chunk.length;
      }
      await request(base, 'DELETE', location, tus);
    }
  };
  const all = Promise.all(Array.from({ length: UPLOADS }, (_, n) => one(n)));
  const started = performance.now();
  return async () => {
    running = false;
    await all;
    return bytes / MiB / ((performance.now() - started) / 1000);
  };
}

/** Stops a server child the way an operator would (SIGTERM: it drains and exits) and waits for it to go. */
async function stopServer({ child }) {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/**
 * The server's event-loop delay since the last call (prom-client's monitor resets as it is read):
 * p99 and max in ms, from its default metrics.
 */
async function loopDelay(base) {
  const text = await (await fetch(`${base}/metrics`)).text();
  const read = (name) => Number(new RegExp(`^dropline_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1]) * 1000;
  return { p99: read('p99'), max: read('max') };
}

async function bench(engine) {
  // With BENCH_KEEP=1 the seeded database stays for the next run (bench/.data/search-<files>/), so
  // iterating on the server does not re-seed a million rows each time.
  const keep = process.env.BENCH_KEEP === '1';
  const storageDir = keep ? path.join(dataDir, `search-${TOTAL}`, engine) : await mkdtemp(path.join(tmpdir(), 'dropline-bench-'));
  await mkdir(storageDir, { recursive: true });
  const seededMark = path.join(storageDir, 'seeded.json');
  let pgName;
  const env = {
    DATABASE_URL: `sqlite:${path.join(storageDir, 'dropline.db')}`,
    RATE_LIMIT: '1000000',
    AUTH_RATE_LIMIT: '1000000',
    ACCESS_TOKEN_TTL: '24h',
    SEED_USERS: 'admin@example.com:admin-password-1:admin',
  };
  let ownerIds = keep && existsSync(seededMark) ? JSON.parse(await readFile(seededMark, 'utf8')) : null;
  if (engine === 'postgres') {
    pgName = keep ? `dropline_bench_search_${TOTAL}` : `dropline_bench_${process.pid}`;
    const admin = new pg.Client({ connectionString: POSTGRES });
    try {
      await admin.connect();
    } catch {
      console.log('PostgreSQL not reachable: skipped');
      return;
    }
    if (!ownerIds) {
      await admin.query(`drop database if exists ${pgName} with (force)`);
      await admin.query(`create database ${pgName}`);
    }
    await admin.end();
    const url = new URL(POSTGRES);
    url.pathname = `/${pgName}`;
    env.DATABASE_URL = url.toString();
  }
  // BENCH_SERVER_NODE_ARGS reach the server under test only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(/\s+/).filter(Boolean) ?? [];
  const post = (base, url, json) =>
    fetch(base + url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) }).then((r) => r.json());

  if (ownerIds) console.log(`${engine}: ${TOTAL.toLocaleString()} files kept from an earlier run (BENCH_KEEP=1)`);
  else {
    // The server makes the schema and the accounts; the files go in behind its back, in bulk.
    const first = await startBenchServer(storageDir, env);
    ownerIds = [];
    for (let i = 0; i <= OTHERS; i++)
      ownerIds.push((await post(first.url, '/api/auth/register', { email: `bench${i}@example.com`, password: 'bench-password' })).user.id);
    await stopServer(first);
    const seeded = performance.now();
    if (engine === 'sqlite') await seedSqlite(env.DATABASE_URL.slice('sqlite:'.length), ownerIds);
    else await seedPostgres(env.DATABASE_URL, ownerIds);
    console.log(`${engine}: seeded ${TOTAL.toLocaleString()} files in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
    if (keep) await writeFile(seededMark, JSON.stringify(ownerIds));
  }

  // The server under test runs alone in its own process: the requests, the uploads' clients and the
  // "db" timings below are this process's work, not the server's event loop's.
  const server = await startBenchServer(storageDir, env, nodeArgs);
  const api = async (url, token) => {
    const request = () => fetch(server.url + url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    // A kept-alive connection idle through a long "before" query may be closed as it is reused: ask again once.
    const res = await request().catch(request);
    const body = await res.json();
    if (res.status >= 300) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const big = (await post(server.url, '/api/auth/login', { email: 'bench0@example.com', password: 'bench-password' })).accessToken;
  const admin = (await post(server.url, '/api/auth/login', { email: 'admin@example.com', password: 'admin-password-1' })).accessToken;
  const owner = ownerIds[0];
  const from = new Date(START + SPAN / 2).toISOString().slice(0, 10);
  const to = new Date(START + SPAN / 2 + 30 * 86_400_000).toISOString().slice(0, 10);
  const deepPage = Math.max(1, Math.floor(BIG / 20 / 2));
  const hit = 'oscar-quebec-1';

  // The queries as they were before the search work, run straight on the database: LIKE over every
  // row (on PostgreSQL with bitmap scans off, so not through the trigram indexes either), COUNT(*)
  // for totals, OFFSET through full rows, and no index for a status.
  const handle = openDatabase(env.DATABASE_URL);
  const db = handle.db;
  const like = (q) => sql`(lower(f.filename) like lower(${`%${q}%`}) or lower(f.title) like lower(${`%${q}%`}))`;
  const unindexed = (query) =>
    engine === 'postgres'
      ? db.transaction().execute(async (trx) => {
          await sql`set local enable_bitmapscan = off`.execute(trx);
          return query(trx);
        })
      : query(db);
  const list = (where, extra = sql``) =>
    unindexed((x) =>
      sql`select f.*, u.email from files f join users u on u.id = f.owner_id where ${where} order by f.created_at desc, f.id desc limit 21 ${extra}`.execute(
        x,
      ),
    );
  const counted = async (where, extra) => {
    await list(where, extra);
    await unindexed((x) => sql`select count(*) from files f where ${where}`.execute(x));
  };
  const mine = sql`f.owner_id = ${owner}`;
  const hardMiss = 'alpha-bravo-charlie';
  const shapes = [
    ['newest', `/api/files?limit=20`, big, () => list(mine)],
    ['substring hit', `/api/files?limit=20&q=${hit}`, big, () => list(sql`${mine} and ${like(hit)}`)],
    ['substring miss', `/api/files?limit=20&q=zzqqxx`, big, () => list(sql`${mine} and ${like('zzqqxx')}`)],
    // Every trigram of it is common, only the whole is absent: the index's hardest miss.
    ['miss, common trigrams', `/api/files?limit=20&q=${hardMiss}`, big, () => list(sql`${mine} and ${like(hardMiss)}`)],
    ['2-char miss', `/api/files?limit=20&q=zz`, big, () => list(sql`${mine} and ${like('zz')}`)],
    ['type', `/api/files?limit=20&type=application/zip`, big, () => list(sql`${mine} and f.mime_type = 'application/zip'`)],
    ['type prefix', `/api/files?limit=20&type=image/`, big, () => list(sql`${mine} and f.mime_type like 'image/%'`)],
    ['status (none)', `/api/files?limit=20&status=failed`, big, () => list(sql`${mine} and f.status || '' = 'failed'`)],
    ['date range', `/api/files?limit=20&from=${from}&to=${to}`, big, () => list(sql`${mine} and f.created_at >= ${from} and f.created_at < ${to}`)],
    [
      'combined',
      `/api/files?limit=20&q=oscar&type=image/&from=${from}&to=${to}`,
      big,
      () => list(sql`${mine} and ${like('oscar')} and f.mime_type like 'image/%' and f.created_at >= ${from} and f.created_at < ${to}`),
    ],
    ['cursor page 2', null, big, () => list(mine, sql`offset 20`)],
    ['page=1', `/api/files?page=1&pageSize=20`, big, () => counted(mine)],
    [`page=${deepPage}`, `/api/files?page=${deepPage}&pageSize=20`, big, () => counted(mine, sql`offset ${(deepPage - 1) * 20}`)],
    ['page=1, type', `/api/files?page=1&pageSize=20&type=application/zip`, big, () => counted(sql`${mine} and f.mime_type = 'application/zip'`)],
    ['page=1, substring', `/api/files?page=1&pageSize=20&q=photo`, big, () => counted(sql`${mine} and ${like('photo')}`)],
    ['admin owner=all miss', `/api/files?limit=20&owner=all&q=zzqqxx`, admin, () => list(sql`${like('zzqqxx')}`)],
  ];
  const second = (await api('/api/files?limit=20', big)).nextCursor;
  shapes.find(([name]) => name === 'cursor page 2')[1] = `/api/files?limit=20&cursor=${second}`;

  // The same query through the repository the route calls, database time only like "before".
  const repository = new FilesRepository(db, engine, new NoCache());
  const direct = (url) => {
    const p = new URL(url, 'http://bench').searchParams;
    const type = p.get('type');
    const prefix = type?.endsWith('/') ? type : null;
    const filter = {
      ownerId: p.get('owner') === 'all' ? null : owner,
      text: p.get('q'),
      mimeType: type !== null && prefix === null ? type : null,
      mimePrefix: prefix,
      status: p.get('status'),
      createdFrom: p.has('from') ? isoDateBounds(p.get('from')).start : null,
      createdBefore: p.has('to') ? isoDateBounds(p.get('to')).endExclusive : null,
    };
    if (p.has('page')) return () => repository.page(filter, (Number(p.get('page')) - 1) * Number(p.get('pageSize')), Number(p.get('pageSize')));
    const cursor = p.has('cursor') ? decodeCursor(p.get('cursor')) : null;
    return () => repository.listAfter(filter, cursor, Number(p.get('limit')));
  };

  const results = [];
  for (const [, url, token, old] of shapes) {
    results.push({ db: await time(direct(url), RUNS), api: await time(() => api(url, token), RUNS), before: await time(old, BASELINE_RUNS) });
  }
  const stopUploads = streamUploads(server.url, big);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  await loopDelay(server.url);
  for (const [i, [, url, token]] of shapes.entries()) results[i].loaded = await time(() => api(url, token), LOADED_RUNS);
  const loadedLoop = await loopDelay(server.url);
  const uploadRate = await stopUploads();

  const target = engine === 'sqlite' ? 10 : 20;
  const f = (n, width = 6) => (n < 10 ? n.toFixed(1) : n.toFixed(0)).padStart(width);
  console.log(
    `${engine}, ${TOTAL.toLocaleString()} files (${BIG.toLocaleString()} in one account), ms. "db": the repository's queries, "before": the old SQL (both`,
  );
  console.log(
    `  database time only; ratio = before/db p50); "API": through HTTP; "uploading": API while ${UPLOADS} tus uploads stream into the same`,
  );
  console.log(`  server (${uploadRate.toFixed(0)} MiB/s together). Targets: API p95 < ${target} ms alone, p99 < 50 ms while uploading.`);
  console.log(
    `  The server's event-loop delay while uploading: p99 ${loadedLoop.p99.toFixed(1)} ms, max ${loadedLoop.max.toFixed(1)} ms. Machine load average (1 min) at the end: ${loadavg()[0].toFixed(1)}.`,
  );
  console.log(
    `  ${'shape'.padEnd(22)} ${'db p50'.padStart(6)} ${'db p95'.padStart(6)} ${'before'.padStart(7)} ${'ratio'.padStart(6)} | ${'API p50'.padStart(7)} ${'p95'.padStart(5)} ${'p99'.padStart(5)} | uploading ${'p50'.padStart(5)} ${'p99'.padStart(5)} ${'max'.padStart(5)}`,
  );
  for (const [i, [name]] of shapes.entries()) {
    const { db: now, api: http, before: old, loaded } = results[i];
    const ratio = old.p50 / now.p50;
    const marks = [http.p95 < target ? '' : 'p95', loaded.p99 < 50 ? '' : 'uploading p99'].filter(Boolean);
    console.log(
      `  ${name.padEnd(22)} ${f(now.p50)} ${f(now.p95)} ${f(old.p50, 7)} ${`${ratio.toFixed(ratio < 10 ? 1 : 0)}x`.padStart(6)} | ${f(http.p50, 7)} ${f(http.p95, 5)} ${f(http.p99, 5)} |           ${f(loaded.p50, 5)} ${f(loaded.p99, 5)} ${f(loaded.max, 5)}${marks.length ? `  over: ${marks.join(', ')}` : ''}`,
    );
  }
  await handle.close();
  await stopServer(server);
  if (keep) return;
  await rm(storageDir, { recursive: true, force: true });
  if (pgName) {
    const admin = new pg.Client({ connectionString: POSTGRES });
    await admin.connect();
    await admin.query(`drop database if exists ${pgName} with (force)`);
    await admin.end();
  }
}

// BENCH_ENGINES=postgres (or sqlite) runs one database only.
const engines = process.env.BENCH_ENGINES?.split(',') ?? ['sqlite', 'postgres'];
for (const engine of ['sqlite', 'postgres']) if (engines.includes(engine)) await bench(engine);
