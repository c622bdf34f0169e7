import type { Stats } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { CliError } from '../errors.js';

export interface LocalFile {
  /** Absolute path on this machine. */
  absolute: string;
  /** What the server is told: the file name, or `dir/sub/file` for a file found inside a directory argument. */
  relative: string;
  size: number;
  fromDirectory: boolean;
}

/**
 * Expands the arguments: files as they are, directories recursively in name order. Symbolic
 * links to files are followed; links to directories are not (they may loop), and are reported.
 */
export async function collectFiles(args: string[], warn: (text: string) => void): Promise<LocalFile[]> {
  const files: LocalFile[] = [];
  for (const arg of args) {
    const absolute = path.resolve(arg);
    let info: Stats;
    try {
      info = await stat(absolute);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new CliError(code === 'ENOENT' ? `${arg}: no such file or directory` : `${arg}: ${(err as Error).message}`, 'not_found');
    }
    if (info.isFile()) files.push({ absolute, relative: path.basename(absolute), size: info.size, fromDirectory: false });
    else if (info.isDirectory()) await walk(absolute, path.basename(absolute), files, warn);
    else throw new CliError(`${arg}: not a regular file or directory`, 'not_a_file');
  }
  return files;
}

async function walk(dir: string, relative: string, into: LocalFile[], warn: (text: string) => void): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const absolute = path.join(dir, entry.name);
    // Always '/' in what the server sees, whatever this machine uses.
    const rel = `${relative}/${entry.name}`;
    if (entry.isDirectory()) {
      await walk(absolute, rel, into, warn);
      continue;
    }
    const info = entry.isSymbolicLink() ? await stat(absolute).catch(() => null) : await lstat(absolute);
    if (info?.isFile()) into.push({ absolute, relative: rel, size: info.size, fromDirectory: true });
    else if (entry.isSymbolicLink()) warn(`skipped ${rel}: a link to ${info ? 'a directory' : 'nothing'}`);
  }
}
