import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliUser, sha256File, until } from './helpers/cli.js';
import { PASSWORD, loggedIn } from './helpers/dropline.js';

const MIB = 2 ** 20;

// SHUTDOWN_TIMEOUT=0: a restart cuts requests in flight, as a crash would.
const ctx = loggedIn({ env: { SHUTDOWN_TIMEOUT: '0' } });

/** Uploads bytes through the CLI and waits until the server has processed them (so their SHA-256 is known). */
async function uploaded(name: string, bytes: Buffer): Promise<string> {
  const file = path.join(ctx.cli.home, 'src', name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
  const result = await ctx.cli.run(['upload', file, '--json']);
  if (result.code !== 0) throw new Error(result.stderr);
  const id = (JSON.parse(result.stdout) as { uploaded: { id: string }[] }).uploaded[0]!.id;
  // Polled gently: API calls count against the per-user rate limit.
  await until(async () => typeof (await ctx.dropline.server.api.get(`/api/files/${id}`, ctx.user.token)).body.sha256 === 'string', 'the SHA-256', {
    every: 250,
  });
  return id;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A random file on the server, an empty directory to download it into, and its .part file's size there. */
async function toDownload(name: string, size: number) {
  const bytes = randomBytes(size);
  const id = await uploaded(name, bytes);
  const dir = path.join(ctx.cli.home, `into-${id}`);
  await mkdir(dir);
  const part = path.join(dir, `${name}.${id}.part`);
  const onDisk = async () => (await stat(part).catch(() => null))?.size ?? 0;
  return { bytes, id, dir, part, onDisk };
}

describe('dropline download', () => {
  it('saves a file under its own name, checks its SHA-256, and prints JSON for scripts', async () => {
    const bytes = randomBytes(500_000);
    const id = await uploaded('photo one.jpg', bytes);
    const dir = path.join(ctx.cli.home, 'out1');
    await mkdir(dir);
    const result = await ctx.cli.run(['download', id, '-o', dir, '--json']);
    expect(result.code).toBe(0);
    const target = path.join(dir, 'photo one.jpg');
    expect(JSON.parse(result.stdout)).toEqual({ id, path: target, size: bytes.length, sha256: sha256(bytes), verified: true, resumedFrom: 0 });
    expect(await sha256File(target)).toBe(sha256(bytes));
    expect(await readdir(dir)).toEqual(['photo one.jpg']); // no .part left behind

    // Again: already there and verified; a different file at the path is not overwritten without --force.
    const again = await ctx.cli.run(['download', id, '-o', dir]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already there');
    await writeFile(target, 'something else');
    const refused = await ctx.cli.run(['download', id, '-o', target]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already exists');
    const forced = await ctx.cli.run(['download', id, '-o', target, '--force']);
    expect(forced.code).toBe(0);
    expect(await sha256File(target)).toBe(sha256(bytes));
  });

  it('continues a download killed midway with a Range request: under 1.1x the bytes, same SHA-256', async () => {
    // What was in flight to the killed process (socket buffers, a block not yet written) is fetched again.
    const size = 32 * MIB;
    const { bytes, id, dir, part, onDisk } = await toDownload('image.iso', size);
    ctx.dropline.proxy.reset();
    ctx.dropline.proxy.limit(4 * MIB);
    const first = ctx.cli.spawn(['download', id, '-o', dir]);
    await until(async () => (await onDisk()) > 4 * MIB, 'an eighth of the file on disk', { running: first });
    first.process.kill('SIGKILL');
    await first.done;
    ctx.dropline.proxy.limit(null);
    const partial = (await stat(part)).size;

    const second = await ctx.cli.run(['download', id, '-o', dir, '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ resumedFrom: partial, verified: true, sha256: sha256(bytes) });
    expect(ctx.dropline.proxy.requests.filter((r) => r.path.endsWith('/content')).map((r) => r.headers.range)).toEqual([
      undefined,
      `bytes=${partial}-`,
    ]);
    console.info(`download killed and resumed: ${(ctx.dropline.proxy.down / size).toFixed(3)}x the file's size came from the server`);
    expect(ctx.dropline.proxy.down).toBeLessThan(1.1 * size);
    expect(await sha256File(path.join(dir, 'image.iso'))).toBe(sha256(bytes));
  });

  it('carries on through a dropped connection and a server restart in the same run', async () => {
    const { bytes, id, dir, onDisk } = await toDownload('flaky.img', 12 * MIB);
    ctx.dropline.proxy.limit(3 * MIB);
    const run = ctx.cli.spawn(['download', id, '-o', dir, '--json']);
    await until(async () => (await onDisk()) > 3 * MIB, 'a quarter on disk', { running: run });
    ctx.dropline.proxy.dropAll();
    await until(async () => (await onDisk()) > 6 * MIB, 'half on disk after the drop', { running: run });
    await ctx.dropline.restart();
    ctx.dropline.proxy.limit(null);
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ verified: true, sha256: sha256(bytes), resumedFrom: 0 });
    expect(await sha256File(path.join(dir, 'flaky.img'))).toBe(sha256(bytes));
  });

  it('refuses a partial file that does not match the server SHA-256, and deletes it', async () => {
    const bytes = randomBytes(2 * MIB);
    const id = await uploaded('data.bin', bytes);
    const dir = path.join(ctx.cli.home, 'out3');
    await mkdir(dir);
    await writeFile(path.join(dir, `data.bin.${id}.part`), randomBytes(MIB)); // not the file's first MiB
    const result = await ctx.cli.run(['download', id, '-o', dir, '--json']);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(JSON.parse(result.stderr).error.code).toBe('checksum_mismatch');
    expect(await readdir(dir)).toEqual([]);
    // The next run starts from scratch and succeeds.
    expect((await ctx.cli.run(['download', id, '-o', dir])).code).toBe(0);
    expect(await sha256File(path.join(dir, 'data.bin'))).toBe(sha256(bytes));
  });

  it('says so for an id that is not yours', async () => {
    const result = await ctx.cli.run(['download', 'no-such-id']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('dropline: No file with id no-such-id.\n');
  });
});

describe('dropline ls and rm', () => {
  it('lists as a table or JSON, page by page or --all, and rm deletes', async () => {
    const other = await CliUser.create();
    const owner = await ctx.dropline.newUser();
    await other.login(ctx.dropline.url, owner.email, PASSWORD);
    const dir = path.join(other.home, 'three');
    await mkdir(dir);
    for (const name of ['one.txt', 'two.txt', 'three.txt']) await writeFile(path.join(dir, name), name);
    expect((await other.run(['upload', dir])).code).toBe(0);

    const page = JSON.parse((await other.run(['ls', '--limit', '2', '--json'])).stdout) as {
      items: { id: string; title: string }[];
      nextCursor: string;
    };
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).toEqual(expect.any(String));
    const rest = JSON.parse((await other.run(['ls', '--limit', '2', '--cursor', page.nextCursor, '--json'])).stdout) as {
      items: { id: string }[];
      nextCursor: null;
    };
    expect(rest.items).toHaveLength(1);
    expect(rest.nextCursor).toBeNull();
    const all = JSON.parse((await other.run(['ls', '--limit', '2', '--all', '--json'])).stdout) as {
      items: { id: string; title: string }[];
      nextCursor: null;
    };
    expect(all.items.map((f) => f.title).sort()).toEqual(['three/one.txt', 'three/three.txt', 'three/two.txt']);
    expect(all.nextCursor).toBeNull();

    const table = await other.run(['ls', '--limit', '2']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID +NAME +SIZE +STATUS +CREATED$/);
    expect(lines).toHaveLength(3);
    expect(table.stderr).toContain(`--cursor ${page.nextCursor}`);

    const [first, second] = all.items;
    const rm = await other.run(['rm', first!.id, 'no-such-id', '--json']);
    expect(rm.code).toBe(1);
    expect(JSON.parse(rm.stdout)).toEqual({
      deleted: [first!.id],
      failed: [{ id: 'no-such-id', error: { code: 'not_found', message: 'no file with id no-such-id' } }],
    });
    expect((await ctx.dropline.server.api.get(`/api/files/${first!.id}`, owner.token)).status).toBe(404);
    const rmOne = await other.run(['rm', second!.id]);
    expect(rmOne.code).toBe(0);
    expect(rmOne.stdout).toContain(`deleted ${second!.id}`);
    expect(JSON.parse((await other.run(['ls', '--json'])).stdout).items).toHaveLength(1);
    await other.cleanup();
  });
});

describe('dropline share', () => {
  it('makes a link with an expiry, a password and a download limit', async () => {
    const id = await uploaded('shared.txt', Buffer.from('shared bytes'));
    const result = await ctx.cli.run(['share', id, '--expires', '7d', '--password', '--max-downloads', '3', '--json'], {
      env: { DROPLINE_SHARE_PASSWORD: 'open sesame' },
    });
    expect(result.code).toBe(0);
    const share = JSON.parse(result.stdout);
    expect(share).toMatchObject({ fileIds: [id], hasPassword: true, maxDownloads: 3, downloads: 0 });
    expect(share.url).toMatch(/\/s\/[\w-]{16,}$/);
    const days = (Date.parse(share.expiresAt) - Date.now()) / 86400e3;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);

    const token = share.url.split('/').pop();
    const unlock = await ctx.dropline.server.api.post(`/api/public/shares/${token}/unlock`, { password: 'open sesame' });
    expect(unlock.status).toBe(200);

    const plain = await ctx.cli.run(['share', id]);
    expect(plain.code).toBe(0);
    expect(plain.stdout.split('\n')[0]).toMatch(/^http:\/\/.+\/s\/[\w-]+$/);
    const missing = await ctx.cli.run(['share', 'no-such-id']);
    expect(missing.code).toBe(1);
  });
});
