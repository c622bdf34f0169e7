import type { Command } from 'commander';
import { CliError, messageOf } from '../errors.js';
import { Output, table } from '../output.js';
import { symbols } from '../progress.js';
import { Session } from '../session.js';
import { formatBytes, parseCount } from '../units.js';
import type { CursorPage, File as FileRecord } from '@dropline/contract';

/** Local time, minutes: `2026-11-27 09:41`. */
function when(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function filesCommands(program: Command): void {
  program
    .command('ls')
    .description('list your files, newest first')
    .option('--q <text>', 'only files whose name or title contains this text')
    .option('-n, --limit <n>', 'files per page (1-100)', parseCount('--limit', 100), 20)
    .option('--cursor <cursor>', 'continue a listing where the previous page ended')
    .option('-a, --all', 'every page, not only the first')
    .action(async (options: { q?: string; limit: number; cursor?: string; all?: boolean }, cmd: Command) => {
      const out = new Output(cmd.optsWithGlobals());
      const session = await Session.load();
      const items: FileRecord[] = [];
      let cursor = options.cursor ?? null;
      do {
        const query = new URLSearchParams({ limit: String(options.limit) });
        if (options.q) query.set('q', options.q);
        if (cursor) query.set('cursor', cursor);
        const page = await session.json<CursorPage<FileRecord>>(`/api/files?${query}`);
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (options.all && cursor);

      out.result({ items, nextCursor: cursor });
      if (out.json || out.quiet) return;
      if (items.length === 0) {
        out.line(options.q ? `No files match "${options.q}".` : 'No files yet. Upload one with `dropline upload <file>`.');
        return;
      }
      const rows = items.map((f) => [f.id, f.title ?? f.filename, formatBytes(f.size), f.status, when(f.createdAt)]);
      out.line(table(['ID', 'NAME', 'SIZE', 'STATUS', 'CREATED'], rows, 1));
      if (cursor) out.notice(`More: dropline ls${options.q ? ` --q ${JSON.stringify(options.q)}` : ''} --cursor ${cursor}   (or --all)`);
    });

  program
    .command('rm')
    .description('delete files (their bytes, previews and share entries)')
    .argument('<id...>', 'file ids, as `dropline ls` shows them')
    .action(async (ids: string[], _options: unknown, cmd: Command) => {
      const out = new Output(cmd.optsWithGlobals());
      const session = await Session.load();
      const deleted: string[] = [];
      const failed: { id: string; error: { code: string; message: string } }[] = [];
      for (const id of ids) {
        try {
          await session.json(`/api/files/${encodeURIComponent(id)}`, 'DELETE');
          deleted.push(id);
          out.line(`${symbols().ok} deleted ${id}`);
        } catch (err) {
          const error = err instanceof CliError ? err : new CliError(messageOf(err));
          const message = error.status === 404 ? `no file with id ${id}` : error.message;
          failed.push({ id, error: { code: error.code, message } });
          if (!out.json) process.stderr.write(`${symbols().fail} ${id}: ${message}\n`);
        }
      }
      out.result({ deleted, failed });
      if (failed.length > 0) throw new CliError(`${failed.length} of ${ids.length} not deleted`, 'partial_failure', 1, undefined, true);
    });
}
