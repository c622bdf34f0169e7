import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, CliUser } from './helpers/cli.js';
import { PASSWORD, loggedIn } from './helpers/dropline.js';
import { Terminal } from './helpers/tmux.js';

const MIB = 2 ** 20;
const hasTmux = await Terminal.available();
if (!hasTmux) console.warn('\n  NOTICE: tmux is not installed; the terminal display tests are SKIPPED.\n');

const ctx = loggedIn();
const terminals: Terminal[] = [];
afterAll(() => Promise.all(terminals.map((t) => t.close())));

async function terminal(args: string[], as = ctx.cli): Promise<Terminal> {
  const t = await Terminal.start([process.execPath, BIN, ...args], as.env());
  terminals.push(t);
  return t;
}

describe.runIf(hasTmux)('in a real terminal (tmux)', () => {
  it('asks for the password without showing it', async () => {
    const someone = await CliUser.create();
    const t = await terminal(['login', ctx.dropline.url, '--email', ctx.user.email], someone);
    await t.waitFor((s) => s.includes('Password:'), 'the password prompt');
    await t.keys('-l', PASSWORD);
    await t.keys('Enter');
    const screen = await t.waitFor((s) => s.includes('EXIT:'), 'login to finish');
    expect(screen).toContain(`Logged in to ${ctx.dropline.url} as ${ctx.user.email}`);
    expect(screen).toContain('EXIT:0');
    expect(screen).not.toContain(PASSWORD);
    expect(screen).not.toContain('*'.repeat(PASSWORD.length)); // not even its length
    await someone.cleanup();
  });

  it('shows a bar per file and a total with rate and ETA, then one line per finished file', async () => {
    const dir = path.join(ctx.cli.home, 'isos');
    await mkdir(dir);
    await writeFile(path.join(dir, 'alpine.iso'), randomBytes(16 * MIB));
    await writeFile(path.join(dir, 'debian.iso'), randomBytes(12 * MIB));
    ctx.dropline.proxy.limit(3 * MIB);
    const t = await terminal(['upload', dir]);
    const during = await t.waitFor(
      (s) => /isos\/alpine\.iso .* \d+% /.test(s) && /isos\/debian\.iso .* \d+% /.test(s) && /Uploading 0\/2 files .*\/s +ETA \d/.test(s),
      'both bars, and a total with a rate and an ETA',
    );
    const lines = during.split('\n');
    const total = lines.find((l) => l.includes('Uploading 0/2 files'))!;
    expect(total).toMatch(/ \d+% +[\d.]+ (B|KiB|MiB)\/28\.0 MiB +[\d.]+ (B|KiB|MiB)\/s +ETA \d+(s|m\d\ds)/);
    for (const name of ['isos/alpine.iso', 'isos/debian.iso']) {
      const bar = lines.find((l) => l.includes(name))!;
      // The file's bar; its own rate and ETA show once its bytes have moved for a moment.
      expect(bar).toMatch(/ (█|░)+ +\d+% +[\d.]+ (B|KiB|MiB)\/(16|12)\.0 MiB( +[\d.]+ (B|KiB|MiB)\/s)? +ETA ([\dms]+|--)/);
    }
    // Every line fits the window: no wrapping into a mess.
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(120);
    ctx.dropline.proxy.limit(null);

    const after = await t.waitFor((s) => s.includes('EXIT:'), 'the upload to finish');
    expect(after).toContain('EXIT:0');
    expect(after).toMatch(/✓ isos\/alpine\.iso {2}16\.0 MiB {2}→ [\w-]{10,}/);
    expect(after).toMatch(/✓ isos\/debian\.iso {2}12\.0 MiB {2}→ [\w-]{10,}/);
    expect(after).toMatch(/Uploading 2\/2 files .*100% +28\.0 MiB\/28\.0 MiB .* done/);
    expect(after).toContain('2 of 2 files uploaded (28.0 MiB)');
    // The bars of finished files are gone, not left half-drawn.
    expect(after.split('\n').filter((l) => /isos\/\w+\.iso .*%/.test(l))).toEqual([]);
  });

  it('stops cleanly on Ctrl-C and the same command then resumes', async () => {
    const file = path.join(ctx.cli.home, 'big.img');
    await writeFile(file, randomBytes(12 * MIB));
    ctx.dropline.proxy.limit(2 * MIB);
    const seen = ctx.dropline.proxy.requests.length;
    const t = await terminal(['upload', file]);
    await t.waitFor((s) => /big\.img .*[1-9]\d*%/.test(s), 'some progress');
    // The bar counts bytes handed to the socket. With a checksum the server keeps a PATCH only
    // whole, so stop once one was stored: the next PATCH starts where it ended.
    const stored = () => ctx.dropline.proxy.requests.slice(seen).some((r) => r.method === 'PATCH' && Number(r.headers['upload-offset']) > 0);
    while (!stored()) await new Promise((resolve) => setTimeout(resolve, 20));
    await t.keys('C-c');
    const stopped = await t.waitFor((s) => s.includes('EXIT:'), 'the upload to stop');
    expect(stopped).toContain('Interrupted. Run the same command again to resume');
    expect(stopped).toContain('EXIT:130'); // died of SIGINT, as shells expect
    ctx.dropline.proxy.limit(null);

    const again = await terminal(['upload', file]);
    const done = await again.waitFor((s) => s.includes('EXIT:'), 'the resumed upload to finish');
    expect(done).toMatch(/✓ big\.img {2}12\.0 MiB {2}→ [\w-]+ {2}\(resumed at [1-9]\d*%/);
    expect(done).toContain('EXIT:0');
  });
});
