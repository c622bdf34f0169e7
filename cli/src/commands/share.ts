import type { Command } from 'commander';
import QRCode from 'qrcode';
import { UsageError } from '../errors.js';
import { Output } from '../output.js';
import { askHidden, readFirstLine } from '../prompt.js';
import { Session } from '../session.js';
import { formatBytes, parseCount, parseExpiry } from '../units.js';
import type { CreateShareRequest, Share } from '../wire.js';

interface ShareOptions {
  expires?: string;
  password?: string | true;
  maxDownloads?: number;
  note?: string;
}

/** `--password` alone asks for it (or reads stdin, or DROPLINE_SHARE_PASSWORD), so it stays out of `ps` and shell history. */
async function sharePassword(option: string | true): Promise<string> {
  if (option !== true) return option;
  const fromEnv = process.env.DROPLINE_SHARE_PASSWORD;
  if (fromEnv) return fromEnv;
  const value = process.stdin.isTTY ? await askHidden('Password for the link: ') : await readFirstLine();
  if (!value) throw new UsageError('No password given for the link.');
  return value;
}

export function shareCommand(program: Command): void {
  program
    .command('share')
    .description('make a public link to one or more files')
    .argument('<id...>', 'file ids, as `dropline ls` shows them')
    .option('--expires <when>', 'when the link stops working: 7d, 12h, 90m, or a date such as 2030-01-31')
    .option('--password [password]', 'protect the link with a password (asked for when not given)')
    .option('--max-downloads <n>', 'stop the link after this many downloads', parseCount('--max-downloads', 1_000_000))
    .option('--note <text>', 'a note shown to whoever opens the link')
    .action(async (ids: string[], options: ShareOptions, cmd: Command) => {
      const out = new Output(cmd.optsWithGlobals());
      const body: CreateShareRequest = { fileIds: ids };
      if (options.expires) body.expiresAt = parseExpiry(options.expires).toISOString();
      if (options.maxDownloads) body.maxDownloads = options.maxDownloads;
      if (options.note) body.note = options.note;
      const session = await Session.load();
      if (options.password !== undefined) body.password = await sharePassword(options.password);

      const share = await session.json<Share>('/api/shares', 'POST', { json: body });
      out.result(share);
      if (out.json) return;
      if (out.quiet) {
        // The one thing a quiet share is for.
        process.stdout.write(`${share.url}\n`);
        return;
      }
      out.line(share.url);
      if (process.stdout.isTTY) out.line(await QRCode.toString(share.url, { type: 'terminal', small: true }));
      const files = share.files.map((f) => `${f.filename} (${formatBytes(f.size)})`).join(', ');
      const limits = [
        share.expiresAt ? `expires ${new Date(share.expiresAt).toLocaleString()}` : 'does not expire',
        share.hasPassword ? 'password protected' : null,
        share.maxDownloads ? `${share.maxDownloads} download${share.maxDownloads === 1 ? '' : 's'} at most` : null,
      ].filter(Boolean);
      out.line(`${files}; ${limits.join(', ')}`);
    });
}
