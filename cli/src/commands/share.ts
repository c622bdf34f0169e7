import type { Command } from 'commander';
import QRCode from 'qrcode';
import { Output } from '../output.js';
import { readSecret } from '../prompt.js';
import { Session } from '../session.js';
import { formatBytes, parseCount, parseExpiry } from '../units.js';
import type { Share, ShareCreate } from '@dropline/contract';

interface ShareOptions {
  expires?: string;
  password?: string | true;
  maxDownloads?: number;
  note?: string;
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
      const body: ShareCreate = { fileIds: ids };
      if (options.expires) body.expiresAt = parseExpiry(options.expires).toISOString();
      if (options.maxDownloads) body.maxDownloads = options.maxDownloads;
      if (options.note) body.note = options.note;
      const session = await Session.load();
      // `--password` alone asks for it, so that it stays out of `ps` and the shell history.
      if (options.password !== undefined)
        body.password = options.password === true ? await readSecret('DROPLINE_SHARE_PASSWORD', 'Password for the link: ') : options.password;

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
