import { crc32 } from 'node:zlib';
import type { Logger } from '../logger.js';
import type { StoredBytes } from './content.js';
import type { FileRecord, FilesRepository } from './files.repository.js';

/**
 * Files' CRC-32s, which a ZIP's headers carry before the bytes. Files uploaded since 008_crc32
 * have one from ingest (hashed as the bytes arrived); for an older one, or one whose running hash
 * failed, it is computed by reading the file once and stored, so no later call reads it again.
 */
export class FileCrc32s {
  /** Computations under way, by file id, so simultaneous requests for one file read it once. */
  private readonly computing = new Map<string, Promise<number>>();

  constructor(
    private readonly files: FilesRepository,
    private readonly log: Logger,
  ) {}

  /** The file's CRC-32, reading `bytes` (the file's) when it has none yet; rejects (ENOENT) when they are gone. */
  of(file: Pick<FileRecord, 'id' | 'crc32'>, bytes: StoredBytes): Promise<number> {
    if (file.crc32 !== null) return Promise.resolve(Number(file.crc32));
    let computing = this.computing.get(file.id);
    if (!computing) {
      computing = this.compute(file.id, bytes).finally(() => this.computing.delete(file.id));
      this.computing.set(file.id, computing);
    }
    return computing;
  }

  private async compute(id: string, bytes: StoredBytes): Promise<number> {
    let crc = 0;
    for await (const chunk of await bytes.read()) {
      crc = crc32(chunk as Buffer, crc);
    }
    await this.files.saveCrc32(id, crc);
    this.log.info({ fileId: id }, 'computed the CRC-32 of a file stored without one');
    return crc;
  }
}
