import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import { Output } from '../output.js';
import { symbols } from '../progress.js';
import { Session, errorFrom } from '../session.js';
import { formatBytes } from '../units.js';
import type { File as FileRecord } from '@dropline/contract';
import { interruptible } from './interrupt.js';

/** The server's file name as a name in one directory: never a path, never hidden by control characters. */
export function safeName(filename: string, id: string): string {
  const name = filename.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim();
  return name === '' || /^\.+$/.test(name) ? id : name;
}

async function sizeOf(file: string): Promise<number | null> {
  const info = await stat(file).catch(() => null);
  return info?.isFile() ? info.size : null;
}

async function hashFile(file: string, hash: Hash = createHash('sha256')): Promise<Hash> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash;
}

/** A dropped connection or a server error is worth another try (with Range); a refusal or a full disk is not. */
function transient(err: unknown): boolean {
  if (err instanceof CliError) return err.code === 'network_error' || (err.status ?? 0) >= 500;
  const code = (err as NodeJS.ErrnoException).code;
  return !(code && /^E(NOSPC|ACCES|PERM|ROFS|ISDIR|NOTDIR|DQUOT|FBIG|IO)$/.test(code));
}

const WRITE_BLOCK = 256 * 1024;

/** Like uploads: about five minutes of tries through a dropped network or a restarting server. */
const RETRY_DELAYS = [1000, 2000, 4000, 8000, 15000, 30000, 30000, 60000, 60000, 60000];

export function downloadCommand(program: Command): void {
  program
    .command('download')
    .description('download a file; an interrupted download continues where it stopped')
    .argument('<id>', 'the file id, as `dropline ls` shows it')
    .option('-o, --output <path>', 'a file name, or an existing directory to save it in (default: the current directory)')
    .option('-f, --force', 'replace an existing file at the output path')
    .addHelpText(
      'after',
      "\nThe bytes go to <path>.<id>.part first, and the file is renamed into place once complete and\nchecked against the server's SHA-256 (when the server has computed it). Running the same\ncommand again after an interruption continues the .part file with an HTTP Range request.",
    )
    .action(async (id: string, options: { output?: string; force?: boolean }, cmd: Command) => {
      const out = new Output(cmd.optsWithGlobals());
      const session = await Session.load();
      const file = await session.json<FileRecord>(`/api/files/${encodeURIComponent(id)}`).catch((err: unknown) => {
        throw err instanceof CliError && err.status === 404 ? new CliError(`No file with id ${id}.`, err.code, 1, 404) : err;
      });

      const name = safeName(file.filename, file.id);
      let target = path.resolve(options.output ?? name);
      if (options.output && (options.output.endsWith('/') || (await stat(target).catch(() => null))?.isDirectory())) target = path.join(target, name);
      const part = `${target}.${file.id}.part`;

      if ((await sizeOf(target)) !== null && !options.force) {
        if ((await sizeOf(target)) === file.size && file.sha256 && (await hashFile(target)).digest('hex') === file.sha256) {
          out.result({ id: file.id, path: target, size: file.size, sha256: file.sha256, verified: true, resumedFrom: file.size });
          out.line(`${symbols().ok} ${target} is already there (SHA-256 verified).`);
          return;
        }
        throw new CliError(`${target} already exists. Use --force to replace it, or -o to save it elsewhere.`, 'exists');
      }

      let have = (await sizeOf(part)) ?? 0;
      if (have > file.size) {
        await rm(part, { force: true });
        have = 0;
      }
      const resumedFrom = have;
      // What is already on disk counts toward the hash; the rest is hashed as it arrives.
      let hash = have > 0 ? await hashFile(part) : createHash('sha256');

      const display = out.display(file.size, 1, 'Downloading');
      const task = display.task(name, file.size);
      const started = Date.now();

      /** GET the bytes from `have` on, appending each piece to the .part file before it counts. */
      const fetchRest = async (signal: AbortSignal) => {
        const res = await session.fetch(`/api/files/${encodeURIComponent(file.id)}/content`, 'GET', {
          headers: have > 0 ? { range: `bytes=${have}-` } : {},
          signal,
        });
        if (res.status !== 200 && res.status !== 206) throw await errorFrom(res, 'Download failed');
        if (res.status === 200 && have > 0) {
          // The server sent it all instead of the range: start over rather than append the start twice.
          have = 0;
          hash = createHash('sha256');
        } else if (res.status === 206 && !res.headers.get('content-range')?.startsWith(`bytes ${have}-`)) {
          await res.body?.cancel();
          throw new CliError('The server answered another range than the one asked for.', 'bad_range');
        }
        const handle = await open(part, have > 0 ? 'a' : 'w');
        // The network's small pieces are written 256 KiB at a time: far fewer system calls, and
        // little to fetch again after a SIGKILL.
        let pending: Uint8Array[] = [];
        let pendingBytes = 0;
        const flush = async () => {
          if (pendingBytes === 0) return;
          const block = Buffer.concat(pending, pendingBytes);
          pending = [];
          pendingBytes = 0;
          await handle.write(block);
          hash.update(block);
          have += block.length;
          task.update(have);
        };
        try {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            pending.push(chunk);
            pendingBytes += chunk.length;
            if (pendingBytes >= WRITE_BLOCK) await flush();
          }
        } finally {
          // What arrived before a failure is kept too: the next Range starts after it.
          await flush().finally(() => handle.close());
        }
      };
      try {
        await interruptible(async (signal) => {
          task.update(have);
          if (have > 0) task.note(`resuming at ${Math.floor((have / file.size) * 100)}%`);
          for (let attempt = 0; have < file.size; attempt++) {
            const before = have;
            try {
              await fetchRest(signal);
            } catch (err) {
              if (signal.aborted || !transient(err) || attempt >= RETRY_DELAYS.length) throw err;
              if (have > before) attempt = 0; // it moved: the retries start over
              task.note('retrying');
              await sleep(RETRY_DELAYS[attempt], undefined, { signal });
            }
          }
        });
      } catch (err) {
        display.stop();
        if (err instanceof CliError && err.code === 'interrupted') {
          out.notice(`Interrupted at ${formatBytes(have)} of ${formatBytes(file.size)}. Run the same command again to continue.`);
        }
        throw err;
      }

      if (have !== file.size) {
        display.stop();
        throw new CliError(
          `The download stopped at ${formatBytes(have)} of ${formatBytes(file.size)}. Run the same command again to continue.`,
          'incomplete',
        );
      }
      const sha256 = hash.digest('hex');
      // A file fresh from an upload may have been hashed by the server while it downloaded.
      if (!file.sha256) file.sha256 = (await session.json<FileRecord>(`/api/files/${encodeURIComponent(file.id)}`).catch(() => file)).sha256;
      if (file.sha256 && sha256 !== file.sha256) {
        await rm(part, { force: true });
        task.fail(`${symbols().fail} ${name}: SHA-256 mismatch`);
        display.stop();
        throw new CliError(
          `The downloaded bytes do not match the server's SHA-256 (${file.sha256}); the partial file was deleted. Try again.`,
          'checksum_mismatch',
        );
      }
      const handle = await open(part, 'r+');
      await handle.sync().finally(() => handle.close());
      await rename(part, target);

      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const verified = file.sha256 ? 'SHA-256 verified' : 'not verified: the server has not computed its SHA-256 yet';
      const resumed = resumedFrom > 0 ? `, resumed at ${formatBytes(resumedFrom)}` : '';
      task.succeed(`${symbols().ok} ${target}  ${formatBytes(file.size)}  (${verified}${resumed}, ${seconds}s)`);
      display.stop();
      out.result({ id: file.id, path: target, size: file.size, sha256, verified: Boolean(file.sha256), resumedFrom });
    });
}
