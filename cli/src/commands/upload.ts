import path from 'node:path';
import type { Command } from 'commander';
import { configDir } from '../config.js';
import { CliError, messageOf } from '../errors.js';
import { Output } from '../output.js';
import { symbols } from '../progress.js';
import { Session } from '../session.js';
import { formatBytes, formatDuration, parseCount, parseExpiry, parseSizeOption } from '../units.js';
import { checksumAlgorithm, tusCapabilities, type TusCapabilities } from '../upload/capabilities.js';
import { uploadFile, type UploadOutcome, type UploadPlan } from '../upload/uploader.js';
import { DirectoryUrlStorage } from '../upload/urlStorage.js';
import { collectFiles, type LocalFile } from '../upload/walk.js';
import type { File as FileRecord } from '@dropline/contract';
import { interruptible } from './interrupt.js';

interface UploadOptions {
  parallel?: number;
  chunkSize?: number;
  title?: string;
  expires?: string;
  jobs: number;
}

/** Chunk size and parallelism from the options and what the server offers; notices say what was changed. */
export function planUpload(options: UploadOptions, caps: TusCapabilities, notice: (text: string) => void): UploadPlan {
  let chunkSize = options.chunkSize ?? caps.maxAppendSize ?? undefined;
  if (caps.maxAppendSize && chunkSize && chunkSize > caps.maxAppendSize) {
    notice(`The server takes at most ${formatBytes(caps.maxAppendSize)} per request; using that as the chunk size.`);
    chunkSize = caps.maxAppendSize;
  }
  let parallel = options.parallel ?? 1;
  if (parallel > 1 && !caps.extensions.has('concatenation')) {
    notice('The server does not offer tus concatenation (Tus-Extension), so --parallel is ignored: each file goes as one stream.');
    parallel = 1;
  }
  return {
    chunkSize,
    parallel,
    checksum: checksumAlgorithm(caps),
    title: options.title,
    expires: options.expires ? parseExpiry(options.expires) : undefined,
  };
}

/** Runs `work` over `items`, at most `limit` at a time, stopping new work once `signal` aborts. */
async function pool<T>(items: T[], limit: number, signal: AbortSignal, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal.aborted) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

interface Uploaded extends UploadOutcome {
  path: string;
  size: number;
  file?: FileRecord | null;
}

export function uploadCommand(program: Command): void {
  program
    .command('upload')
    .description('upload files and directories; run the same command again to resume an interrupted upload')
    .argument('<path...>', 'files, and directories (uploaded recursively, each file titled with its relative path)')
    .option('-p, --parallel <n>', 'send each file as N parts at once (tus concatenation, when the server offers it)', parseCount('--parallel', 16))
    .option('-c, --chunk-size <size>', "bytes per request, e.g. 8MiB (default: the server's max-append-size, else one stream)", parseSizeOption)
    .option('-j, --jobs <n>', 'files uploaded at the same time', parseCount('--jobs', 16), 3)
    .option('-t, --title <title>', 'title of the file (with several files: added before each relative path)')
    .option('--expires <when>', 'delete the file after this: 7d, 12h, 90m, or a date such as 2030-01-31')
    .addHelpText(
      'after',
      `
Resuming: each upload's URL is kept in ${path.join(configDir(), 'uploads')} under a fingerprint of
the file (path, size, mtime and a hash of its first and last MiB). After Ctrl-C, a killed process,
a dropped network or a server restart, the same command continues from the server's offset; a
file changed since then is uploaded again from the start. Requests carry Upload-Checksum when the
server offers the checksum extension, and a failed request is retried for about five minutes.`,
    )
    .action(async (paths: string[], options: UploadOptions, cmd: Command) => {
      const out = new Output(cmd.optsWithGlobals());
      const session = await Session.load();
      const files = await collectFiles(paths, (text) => out.notice(text));
      if (files.length === 0) throw new CliError('Nothing to upload: the directories are empty.', 'nothing_to_upload');
      const caps = await tusCapabilities(session.url);
      const plan = planUpload(options, caps, (text) => out.notice(text));
      const storage = new DirectoryUrlStorage(path.join(configDir(), 'uploads'));

      const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
      const display = out.display(totalBytes, files.length, 'Uploading');
      const sym = symbols();
      const uploaded: Uploaded[] = [];
      const failed: { path: string; error: { code: string; message: string } }[] = [];
      const started = Date.now();

      const one = async (file: LocalFile, signal: AbortSignal) => {
        const task = display.task(file.relative, file.size);
        const began = Date.now();
        try {
          const outcome = await uploadFile(session, storage, file, plan, task, signal);
          uploaded.push({ path: file.relative, size: file.size, ...outcome });
          const seconds = (Date.now() - began) / 1000;
          const sent = file.size - outcome.resumedFrom;
          const notes = [
            outcome.resumedFrom > 0 ? `resumed at ${Math.floor((outcome.resumedFrom / file.size) * 100)}%` : null,
            outcome.restarted ? 'changed since the interrupted upload: sent again' : null,
            seconds >= 1 && sent > 0 ? `${formatBytes(sent / seconds)}/s` : null,
          ].filter(Boolean);
          task.succeed(
            `${sym.ok} ${file.relative}  ${formatBytes(file.size)}  ${sym.arrow} ${outcome.id}${notes.length ? `  (${notes.join(', ')})` : ''}`,
          );
        } catch (err) {
          if (signal.aborted) throw err;
          const error = err instanceof CliError ? err : new CliError(messageOf(err));
          failed.push({ path: file.relative, error: { code: error.code, message: error.message } });
          task.fail(`${sym.fail} ${file.relative}: ${error.message}`);
        }
      };

      try {
        await interruptible((signal) => pool(files, options.jobs, signal, (file) => one(file, signal)));
      } catch (err) {
        display.stop();
        if (err instanceof CliError && err.code === 'interrupted') {
          out.notice(
            `Interrupted. Run the same command again to resume: ${uploaded.length} of ${files.length} done, the rest continues from the server's offset.`,
          );
        }
        throw err;
      }
      display.stop();

      if (out.json) {
        // In the order given, whichever finished first.
        const order = new Map(files.map((f, i) => [f.relative, i]));
        uploaded.sort((a, b) => order.get(a.path)! - order.get(b.path)!);
        failed.sort((a, b) => order.get(a.path)! - order.get(b.path)!);
        for (const item of uploaded) item.file = await session.json<FileRecord>(`/api/files/${item.id}`).catch(() => null);
        out.result({ uploaded, failed });
      } else if (files.length > 1) {
        const seconds = (Date.now() - started) / 1000;
        out.notice(
          `${uploaded.length} of ${files.length} files uploaded (${formatBytes(uploaded.reduce((s, u) => s + u.size, 0))}) in ${formatDuration(seconds)}.`,
        );
      }
      if (failed.length > 0)
        throw new CliError(`${failed.length} of ${files.length} file${files.length === 1 ? '' : 's'} failed`, 'upload_failed', 1, undefined, true);
    });
}
