import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewFile } from '../../src/db/schema.js';
import { postgresAvailable } from '../helpers/services.js';
import { ADMIN, startTestServer, withDatabase, type ApiResponse, type TestServer } from '../helpers/testServer.js';
import { randomData, uploadFile } from '../helpers/tus.js';

const METRICS_TOKEN = 'metrics-token-search-0123456789';
const databases: Array<'sqlite' | 'postgres'> = ['sqlite', ...((await postgresAvailable()) ? (['postgres'] as const) : [])];

// Letters with and without case (in and beyond ASCII), LIKE's own wildcards and escape, quotes (the
// FTS phrase's and SQL's), and a character with no case at all.
const ALPHABET = ['a', 'b', 'c', 'A', 'B', 'C', 'x', 'y', ' ', '.', '-', '_', '%', '\\', "'", '"', 'é', 'É', 'Ж', 'ж', '日', '0'];
const STATUSES = ['uploaded', 'processing', 'processed', 'failed'] as const;
const MIMES = ['image/png', 'image/jpeg', 'text/plain', 'application/zip'];

interface Row {
  id: string;
  owner_id: string;
  filename: string;
  title: string | null;
  mime_type: string;
  status: (typeof STATUSES)[number];
  created_at: string;
}

const text = (min: number, max: number) => fc.array(fc.constantFrom(...ALPHABET), { minLength: min, maxLength: max }).map((cs) => cs.join(''));
const fold = (t: string) => Array.from(t, (c) => c.toLowerCase()).join('');

/** What a plain scan answers: case-insensitive substring of filename or title, newest first; `from` and `to` (ISO times) both included. */
function scan(
  rows: Row[],
  owner: string,
  q: string | null,
  type: string | null,
  status: string | null = null,
  from: string | null = null,
  to: string | null = null,
): string[] {
  const needle = fold(q?.trim() ?? '');
  return rows
    .filter((r) => r.owner_id === owner)
    .filter((r) => (from === null || r.created_at >= from) && (to === null || r.created_at <= to))
    .filter((r) => needle === '' || fold(r.filename).includes(needle) || (r.title !== null && fold(r.title).includes(needle)))
    .filter((r) => type === null || (type.endsWith('/') ? r.mime_type.startsWith(type) : r.mime_type === type))
    .filter((r) => status === null || r.status === status)
    .sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1))
    .map((r) => r.id);
}

function fileRow(r: Row): NewFile {
  return {
    ...r,
    storage_key: `uploads/${r.id}`,
    size: 1,
    detected_type: null,
    description: null,
    sha256: null,
    extracted: null,
    error: null,
    updated_at: r.created_at,
    processed_at: null,
  };
}

async function insertRows(s: TestServer, rows: Row[]): Promise<void> {
  await withDatabase(s, async (db) => {
    for (let i = 0; i < rows.length; i += 500)
      await db
        .insertInto('files')
        .values(rows.slice(i, i + 500).map(fileRow))
        .execute();
  });
  // better-sqlite3 blocks this process while it inserts; meanwhile the server may close an idle
  // kept-alive connection. Let the client see that close before its next request reuses the socket.
  await new Promise((resolve) => setTimeout(resolve, 200));
}

describe.each(databases)('search and page totals at scale on %s', (database) => {
  let s: TestServer;
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };
  let corpus: Row[];

  beforeAll(async () => {
    s = await startTestServer({ database, env: { METRICS_TOKEN } });
    alice = await s.api.newUser('search-a');
    bob = await s.api.newUser('search-b');
    const gen = fc.sample(
      fc.record({
        filename: text(1, 12),
        title: fc.option(text(0, 10), { nil: null }),
        mime: fc.constantFrom(...MIMES),
        status: fc.constantFrom(...STATUSES),
        second: fc.integer({ min: 0, max: 400 }),
      }),
      { numRuns: 450, seed: 11 },
    );
    corpus = gen.map((g, i) => ({
      id: `corpus-${String(i).padStart(4, '0')}`,
      owner_id: i % 9 === 0 ? bob.id : alice.id,
      filename: g.filename.trim() === '' ? `f${i}` : g.filename,
      title: g.title,
      mime_type: g.mime,
      status: g.status,
      // Few distinct seconds, so ties on createdAt are ordered by id as well.
      created_at: new Date(Date.UTC(2024, 0, 1, 0, 0, g.second)).toISOString(),
    }));
    await insertRows(s, corpus);
  });
  afterAll(() => s?.stop());

  async function listAll(token: string, query: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res: ApiResponse = await s.api.get(`/api/files?limit=37&${query}${cursor ? `&cursor=${cursor}` : ''}`, token);
      expect(res.status).toBe(200);
      ids.push(...res.body.items.map((f: { id: string }) => f.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    return ids;
  }

  it('counts files by status for /metrics, after status changes and deletes too', async () => {
    const byStatus = async () => {
      const text = await (await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
      return Object.fromEntries(
        STATUSES.map((status) => [status, Number(new RegExp(`dropline_files\\{status="${status}"\\} (\\d+)`).exec(text)?.[1])]),
      );
    };
    const expected = (rows: Row[]) => Object.fromEntries(STATUSES.map((status) => [status, rows.filter((r) => r.status === status).length]));
    expect(await byStatus()).toEqual(expected(corpus));

    const processed = corpus.find((r) => r.status === 'processed')!;
    const failed = corpus.find((r) => r.status === 'failed')!;
    const uploaded = corpus.find((r) => r.status === 'uploaded')!;
    await withDatabase(s, async (db) => {
      await db.updateTable('files').set({ status: 'failed' }).where('id', '=', processed.id).execute();
      await db.updateTable('files').set({ status: 'processed' }).where('id', '=', failed.id).execute();
      await db.deleteFrom('files').where('id', '=', uploaded.id).execute();
    });
    const changed = corpus
      .filter((r) => r.id !== uploaded.id)
      .map((r) => (r.id === processed.id ? { ...r, status: 'failed' as const } : r.id === failed.id ? { ...r, status: 'processed' as const } : r));
    expect(await byStatus()).toEqual(expected(changed));
    // Put back as they were: the other tests compare with the corpus.
    await withDatabase(s, async (db) => {
      await db.updateTable('files').set({ status: 'processed' }).where('id', '=', processed.id).execute();
      await db.updateTable('files').set({ status: 'failed' }).where('id', '=', failed.id).execute();
    });
    await insertRows(s, [uploaded]);
    expect(await byStatus()).toEqual(expected(corpus));
  });

  it('answers every query exactly as a plain scan would (property)', async () => {
    const names = corpus.flatMap((r) => [r.filename, r.title ?? '']).filter((n) => n.length > 0);
    const fromCorpus = fc
      .tuple(fc.constantFrom(...names), fc.nat(), fc.integer({ min: 1, max: 6 }))
      .map(([name, start, len]) => name.slice(start % name.length, (start % name.length) + len));
    const q = fc.option(fc.oneof(fromCorpus, text(1, 6)), { nil: null, freq: 4 });
    const type = fc.option(fc.constantFrom('image/', 'image/png', 'text/plain'), { nil: null });
    const status = fc.option(fc.constantFrom(...STATUSES), { nil: null, freq: 2 });
    // Times within the corpus' seconds, as date-times (`to` includes its instant).
    const time = fc.option(
      fc.integer({ min: 0, max: 400 }).map((second) => new Date(Date.UTC(2024, 0, 1, 0, 0, second)).toISOString()),
      { nil: null, freq: 2 },
    );
    await fc.assert(
      fc.asyncProperty(q, type, status, time, time, async (q, type, status, from, to) => {
        const params = new URLSearchParams();
        if (q !== null) params.set('q', q);
        if (type !== null) params.set('type', type);
        if (status !== null) params.set('status', status);
        if (from !== null) params.set('from', from);
        if (to !== null) params.set('to', to);
        const query = params.toString();
        const expected = scan(corpus, alice.id, q, type, status, from, to);
        expect(await listAll(alice.token, query)).toEqual(expected);
        for (const page of [1, 2]) {
          const res = await s.api.get(`/api/files?page=${page}&pageSize=25&${query}`, alice.token);
          expect(res.body.total).toBe(expected.length);
          expect(res.body.totalExact).toBe(true);
          expect(res.body.items.map((f: { id: string }) => f.id)).toEqual(expected.slice((page - 1) * 25, page * 25));
        }
      }),
      { numRuns: 120, seed: 42 },
    );
  });

  it('keeps the index in step with renames and deletions', async () => {
    const id = await uploadFile(s.api, alice.token, randomData(5), { filename: 'Quarterly-Report.pdf' });
    expect(await listAll(alice.token, 'q=rterly-rep')).toEqual([id]);
    await s.api.patch(`/api/files/${id}`, { filename: 'renamed.pdf', title: 'Zebra Notes' }, alice.token);
    expect(await listAll(alice.token, 'q=rterly-rep')).toEqual([]);
    expect(await listAll(alice.token, 'q=bra not')).toEqual([id]);
    expect(await listAll(alice.token, 'q=renamed')).toEqual([id]);
    await s.api.delete(`/api/files/${id}`, alice.token);
    expect(await listAll(alice.token, 'q=renamed')).toEqual([]);
  });

  it('gives page totals from counters kept in step with inserts and deletes, and empty pages past the end', async () => {
    const carol = await s.api.newUser('pages');
    const count = async () => (await s.api.get('/api/files?page=1&pageSize=2', carol.token)).body;
    expect(await count()).toMatchObject({ items: [], total: 0, totalExact: true });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await uploadFile(s.api, carol.token, randomData(3), { filename: `p${i}.txt` }));
    expect((await count()).total).toBe(5);
    await s.api.delete(`/api/files/${ids[0]}`, carol.token);
    expect((await count()).total).toBe(4);
    const last = await s.api.get('/api/files?page=2&pageSize=2', carol.token);
    expect(last.body.items.map((f: { id: string }) => f.id)).toEqual([ids[2], ids[1]]);
    const beyond = await s.api.get('/api/files?page=50&pageSize=2', carol.token);
    expect(beyond.status).toBe(200);
    expect(beyond.body).toEqual({ items: [], page: 50, pageSize: 2, total: 4, totalExact: true });

    const admin = await s.api.login(ADMIN.email, ADMIN.password);
    const everyone = await s.api.get('/api/files?page=1&pageSize=1&owner=all', admin);
    expect(everyone.body.total).toBe(corpus.length + 4);
  });

  it('answers deep pages by number as a plain OFFSET would, through inserts and deletes (property)', async () => {
    const erin = await s.api.newUser('deep');
    const model: Row[] = [];
    let next = 0;
    // Seconds over three months, few enough that months, days and hours hold many rows and some
    // rows share a createdAt (ordered by id then).
    const newRow = (second: number): Row => ({
      id: `deep-${String(next++).padStart(5, '0')}`,
      owner_id: erin.id,
      filename: 'deep.bin',
      title: null,
      mime_type: 'text/plain',
      status: 'processed',
      created_at: new Date(Date.UTC(2024, 0, 30) + (second % 400) * 20_000 + Math.floor(second / 400) * 2_600_000_000).toISOString(),
    });
    const seed = fc.sample(fc.integer({ min: 0, max: 1_199 }), { numRuns: 1_500, seed: 5 }).map(newRow);
    model.push(...seed);
    await insertRows(s, seed);
    const step = fc.record({
      added: fc.array(fc.integer({ min: 0, max: 1_199 }), { maxLength: 60 }),
      removed: fc.array(fc.nat(), { maxLength: 60 }),
      pages: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 100 })), { minLength: 1, maxLength: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(step, async ({ added, removed, pages }) => {
        const gone = [...new Set(removed.map((n) => model[n % model.length]!.id))];
        const rows = added.map(newRow);
        await withDatabase(s, async (db) => {
          if (gone.length > 0) await db.deleteFrom('files').where('id', 'in', gone).execute();
          if (rows.length > 0) await db.insertInto('files').values(rows.map(fileRow)).execute();
        });
        await new Promise((resolve) => setTimeout(resolve, 50));
        model.splice(0, model.length, ...model.filter((r) => !gone.includes(r.id)), ...rows);
        const expected = scan(model, erin.id, null, null);
        for (const [at, pageSize] of pages) {
          // Around the deep end and just past the end as often as anywhere.
          const page = 1 + (at % (Math.ceil(expected.length / pageSize) + 2));
          const res = await s.api.get(`/api/files?page=${page}&pageSize=${pageSize}`, erin.token);
          expect(res.status).toBe(200);
          expect(res.body).toMatchObject({ total: expected.length, totalExact: true });
          expect(res.body.items.map((f: { id: string }) => f.id)).toEqual(expected.slice((page - 1) * pageSize, page * pageSize));
        }
      }),
      { numRuns: 25, seed: 8 },
    );
  });

  it('finds a text of several words exactly, whether the words meet rarely or often', async () => {
    const erin = await s.api.newUser('bridges');
    const row = (id: string, filename: string, title: string | null, second: number): Row => ({
      id,
      owner_id: erin.id,
      filename,
      title,
      mime_type: 'text/plain',
      status: 'processed',
      created_at: new Date(Date.UTC(2022, 0, 1, 0, 0, second)).toISOString(),
    });
    // Both word pairs of `alpha-bravo-charlie` in one name but not the text itself, across the
    // two columns, in another case, inside a word, and in the title.
    const rows = [
      row('pairs-apart', 'alpha-bravo and bravo-charlie.txt', null, 1),
      row('pairs-across', 'alpha-bravo.txt', 'echo-charlie', 2),
      row('upper', 'ALPHA-BRAVO-CHARLIE.iso', null, 3),
      row('in-title', 'notes.txt', 'the alpha-bravo-charlie list', 4),
      row('inside', 'xalpha-bravo-charliex.bin', null, 5),
      // Every word pair of `alpha-bravo charlie-delta` in each of 2,100 names, more than the
      // index is asked for at once, and the text itself in two: the whole phrase then decides.
      row('phrase', 'alpha-bravo charlie-delta.pdf', null, 6),
      row('phrase-title', 'scan.pdf', 'ALPHA-BRAVO CHARLIE-DELTA', 7),
      ...Array.from({ length: 2_100 }, (_, i) => row(`pairs-${i}`, `charlie-delta alpha-bravo charlie-${i}.txt`, null, 100 + i)),
    ];
    await insertRows(s, rows);
    const ids = (body: { items: Array<{ id: string }> }) => body.items.map((f) => f.id);
    expect(scan(rows, erin.id, 'alpha-bravo-charlie', null)).toEqual(['inside', 'in-title', 'upper']);
    expect(ids((await s.api.get('/api/files?q=alpha-bravo-charlie&limit=10', erin.token)).body)).toEqual(['inside', 'in-title', 'upper']);
    expect((await s.api.get('/api/files?q=alpha-bravo-charlie&page=1&pageSize=2', erin.token)).body).toMatchObject({ total: 3, totalExact: true });
    expect(scan(rows, erin.id, 'alpha-bravo charlie-delta', null)).toEqual(['phrase-title', 'phrase']);
    expect(ids((await s.api.get('/api/files?q=alpha-bravo%20charlie-delta&limit=10', erin.token)).body)).toEqual(['phrase-title', 'phrase']);
    const paged = await s.api.get('/api/files?q=alpha-bravo%20charlie-delta&page=1&pageSize=1', erin.token);
    expect(paged.body).toMatchObject({ total: 2, totalExact: true });
    expect(ids(paged.body)).toEqual(['phrase-title']);
  });

  it('keeps a short query bounded: a page ends at the edge of what it examined and the cursor goes on', async () => {
    const dave = await s.api.newUser('window');
    const rows: Row[] = [];
    rows.push({
      id: 'window-hit',
      owner_id: dave.id,
      filename: 'zq-old.txt',
      title: null,
      mime_type: 'text/plain',
      status: 'processed',
      created_at: '2020-01-01T00:00:00.000Z',
    });
    for (let i = 0; i < 10_050; i++) {
      rows.push({
        id: `window-${String(i).padStart(5, '0')}`,
        owner_id: dave.id,
        filename: `plain-${i}.bin`,
        title: null,
        mime_type: 'text/plain',
        status: i === 0 ? 'failed' : 'processed',
        created_at: new Date(Date.UTC(2021, 0, 1) + i * 1000).toISOString(),
      });
    }
    await insertRows(s, rows);
    const first = await s.api.get('/api/files?q=zq&limit=20', dave.token);
    expect(first.body.items).toEqual([]);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await s.api.get(`/api/files?q=zq&limit=20&cursor=${first.body.nextCursor}`, dave.token);
    expect(second.body.items.map((f: { id: string }) => f.id)).toEqual(['window-hit']);
    expect(second.body.nextCursor).toBeNull();
    // Long queries use the index and need no such steps; totals beyond the cap say so.
    expect((await s.api.get('/api/files?q=zq-old&limit=20', dave.token)).body).toMatchObject({ items: [{ id: 'window-hit' }], nextCursor: null });
    const capped = await s.api.get('/api/files?q=plain&page=1&pageSize=5', dave.token);
    expect(capped.body).toMatchObject({ total: 1_000, totalExact: false });
    expect(capped.body.items.map((f: { id: string }) => f.id)).toEqual([
      'window-10049',
      'window-10048',
      'window-10047',
      'window-10046',
      'window-10045',
    ]);
    // A short query by page number counts within the newest 10,000 rows only, and says so.
    const shortPage = await s.api.get('/api/files?q=pl&page=2&pageSize=3', dave.token);
    expect(shortPage.body).toMatchObject({ total: 10_000, totalExact: false });
    expect(shortPage.body.items.map((f: { id: string }) => f.id)).toEqual(['window-10046', 'window-10045', 'window-10044']);
    expect((await s.api.get('/api/files?q=zq&page=1&pageSize=3', dave.token)).body).toMatchObject({ items: [], total: 0, totalExact: false });
    // A text with other filters looks for its page among the newest rows they pass first (on
    // PostgreSQL): common, it is found there; rare, beyond them, through the index all the same.
    const dense = await s.api.get('/api/files?q=plain&type=text/&from=2021-01-01T00:00:00Z&to=2021-01-01T00:00:09Z&limit=3', dave.token);
    expect(dense.body.items.map((f: { id: string }) => f.id)).toEqual(['window-00009', 'window-00008', 'window-00007']);
    const rest = await s.api.get(
      `/api/files?q=plain&type=text/&from=2021-01-01T00:00:00Z&to=2021-01-01T00:00:09Z&limit=8&cursor=${dense.body.nextCursor}`,
      dave.token,
    );
    expect(rest.body.items.map((f: { id: string }) => f.id)).toEqual([
      'window-00006',
      'window-00005',
      'window-00004',
      'window-00003',
      'window-00002',
      'window-00001',
      'window-00000',
    ]);
    expect(rest.body.nextCursor).toBeNull();
    expect((await s.api.get('/api/files?q=zq-old&type=text/&from=2020-01-01&to=2021-12-31&limit=20', dave.token)).body).toMatchObject({
      items: [{ id: 'window-hit' }],
      nextCursor: null,
    });
    expect((await s.api.get('/api/files?q=zq-old&type=text/plain&from=2020-01-01&page=1&pageSize=5', dave.token)).body).toMatchObject({
      items: [{ id: 'window-hit' }],
      total: 1,
      totalExact: true,
    });
    // Filters without text walk their own index: a status few rows have, the deep end of a type.
    expect((await s.api.get('/api/files?status=failed&limit=5', dave.token)).body).toMatchObject({
      items: [{ id: 'window-00000' }],
      nextCursor: null,
    });
    const deep = await s.api.get('/api/files?type=text/plain&page=2010&pageSize=5', dave.token);
    expect(deep.body).toMatchObject({ total: 1_000, totalExact: false });
    expect(deep.body.items.map((f: { id: string }) => f.id)).toEqual([
      'window-00004',
      'window-00003',
      'window-00002',
      'window-00001',
      'window-00000',
    ]);
  });
});
