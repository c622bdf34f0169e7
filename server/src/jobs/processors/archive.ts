import type { FileHandle } from 'node:fs/promises';
import { countTarEntries } from './tar.js';
import { readZipEntryCount } from './zip.js';

/** file-type extensions of the containers and compressed streams reported as archives. */
const ARCHIVE_EXTENSIONS = new Set([
  'zip',
  'tar',
  'gz',
  'tar.gz',
  'bz2',
  'xz',
  'zst',
  'lz',
  'lz4',
  'Z',
  '7z',
  'rar',
  'cab',
  'cpio',
  'ar',
  'arj',
  'lzh',
]);
const COMPRESSED_STREAMS: Record<string, string> = {
  gz: 'gzip',
  'tar.gz': 'gzip',
  bz2: 'bzip2',
  xz: 'xz',
  zst: 'zstd',
  lz: 'lzip',
  lz4: 'lz4',
  Z: 'compress',
};

export function isArchiveExtension(ext: string): boolean {
  return ARCHIVE_EXTENSIONS.has(ext);
}

export interface ArchiveSummary {
  format: string;
  entries?: number;
  complete?: boolean;
  compressed?: boolean;
  note?: string;
}

/** Only what the container's own index or headers tell cheaply; nothing is decompressed. */
export async function describeArchive(ext: string, handle: FileHandle, size: number, signal?: AbortSignal): Promise<ArchiveSummary> {
  if (ext === 'zip') {
    const entries = await readZipEntryCount(handle, size);
    return entries === null
      ? { format: 'zip', note: 'No end of central directory record found; the archive may be truncated' }
      : { format: 'zip', entries };
  }
  if (ext === 'tar') return { format: 'tar', ...(await countTarEntries(handle, size, signal)) };

  const stream = COMPRESSED_STREAMS[ext];
  if (stream !== undefined) {
    return { format: stream, compressed: true, note: 'Compressed stream; contents not inspected' };
  }
  return { format: ext, note: 'Entries are not listed for this archive format' };
}
