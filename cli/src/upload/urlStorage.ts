import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { PreviousUpload, UrlStorage } from 'tus-js-client';
import { writeFileAtomic } from '../config.js';

/** What a stored upload was for, beyond tus' own fields: lets a changed file's old upload be found and dropped. */
export interface UploadOrigin {
  server: string;
  userId: string;
  path: string;
}

export type StoredUpload = PreviousUpload & Partial<UploadOrigin> & { fingerprint: string };

const KEY = /^([0-9a-f]{64})\.[0-9a-z]+\.json$/;

/**
 * tus-js-client's URL storage as one small file per upload in a directory. Each entry is written
 * to a temporary file and renamed, so neither a killed process nor two dropline processes at once
 * can leave a torn or lost entry (tus' own FileUrlStorage rewrites one shared JSON file in place).
 */
export class DirectoryUrlStorage implements UrlStorage {
  private readonly origins = new Map<string, UploadOrigin>();

  constructor(private readonly dir: string) {}

  /** Remembers which file a fingerprint belongs to, to be written with its entry. */
  describe(fingerprint: string, origin: UploadOrigin): void {
    this.origins.set(fingerprint, origin);
  }

  async findAllUploads(): Promise<StoredUpload[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const entries = await Promise.all(names.filter((name) => KEY.test(name)).map((name) => this.read(name)));
    return entries.filter((entry): entry is StoredUpload => entry !== null);
  }

  async findUploadsByFingerprint(fingerprint: string): Promise<StoredUpload[]> {
    return (await this.findAllUploads()).filter((entry) => entry.fingerprint === fingerprint);
  }

  /** Entries for the same file on the same account made under another fingerprint: the file has changed since. */
  async findOutdated(origin: UploadOrigin, fingerprint: string): Promise<StoredUpload[]> {
    return (await this.findAllUploads()).filter(
      (entry) => entry.fingerprint !== fingerprint && entry.server === origin.server && entry.userId === origin.userId && entry.path === origin.path,
    );
  }

  /** Forgets every entry of a fingerprint: called, and awaited, once its upload is complete. */
  async removeFingerprint(fingerprint: string): Promise<void> {
    for (const entry of await this.findUploadsByFingerprint(fingerprint)) await this.removeUpload(entry.urlStorageKey);
  }

  async removeUpload(urlStorageKey: string): Promise<void> {
    if (KEY.test(urlStorageKey)) await rm(path.join(this.dir, urlStorageKey), { force: true });
  }

  async addUpload(fingerprint: string, upload: PreviousUpload): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const key = `${fingerprint}.${randomBytes(6).toString('hex')}.json`;
    const entry = { ...upload, ...this.origins.get(fingerprint), fingerprint };
    await writeFileAtomic(path.join(this.dir, key), JSON.stringify(entry));
    return key;
  }

  private async read(name: string): Promise<StoredUpload | null> {
    try {
      const entry = JSON.parse(await readFile(path.join(this.dir, name), 'utf8')) as StoredUpload;
      return { ...entry, fingerprint: KEY.exec(name)![1]!, urlStorageKey: name };
    } catch {
      return null; // removed meanwhile by another process, or not ours
    }
  }
}
