import path from 'node:path';

const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/** Common types by extension; anything else is application/octet-stream until processing looks inside. */
const BY_EXTENSION: Record<string, string> = {
  '.7z': 'application/x-7z-compressed',
  '.avi': 'video/x-msvideo',
  '.bmp': 'image/bmp',
  '.bz2': 'application/x-bzip2',
  '.csv': 'text/csv',
  '.deb': 'application/vnd.debian.binary-package',
  '.dmg': 'application/x-apple-diskimage',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.flac': 'audio/flac',
  '.gif': 'image/gif',
  '.gz': 'application/gzip',
  '.heic': 'image/heic',
  '.htm': 'text/html',
  '.html': 'text/html',
  '.img': 'application/octet-stream',
  '.iso': 'application/x-iso9660-image',
  '.jpeg': 'image/jpeg',
  '.jpg': 'image/jpeg',
  '.json': 'application/json',
  '.md': 'text/markdown',
  '.mkv': 'video/x-matroska',
  '.mov': 'video/quicktime',
  '.mp3': 'audio/mpeg',
  '.mp4': 'video/mp4',
  '.ogg': 'audio/ogg',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.tar': 'application/x-tar',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.txt': 'text/plain',
  '.wav': 'audio/wav',
  '.webm': 'video/webm',
  '.webp': 'image/webp',
  '.xls': 'application/vnd.ms-excel',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.xml': 'application/xml',
  '.xz': 'application/x-xz',
  '.zip': 'application/zip',
  '.zst': 'application/zstd',
};

const GENERIC = 'application/octet-stream';

/** A client's declared type, lower-cased without parameters, when it is a well-formed MIME type. */
export function declaredType(value: string | null | undefined): string | null {
  const type = value?.split(';')[0]?.trim().toLowerCase();
  return type && MIME_TYPE.test(type) ? type : null;
}

export function typeFromExtension(filename: string): string | null {
  return BY_EXTENSION[path.extname(filename).toLowerCase()] ?? null;
}

/** The file's MIME type: the declared one unless it says nothing more than "bytes", then the extension's. */
export function mimeTypeOf(filename: string, declared: string | null | undefined): string {
  const type = declaredType(declared);
  if (type && type !== GENERIC) return type;
  return typeFromExtension(filename) ?? GENERIC;
}

/**
 * ALLOWED_FILE_TYPES: `.ext` entries match the filename's ending, `type/sub` and `type/*` entries
 * match the declared type or the one the extension implies. No list means anything goes.
 */
export class AllowedFileTypes {
  constructor(private readonly entries: readonly string[] | null) {}

  allows(filename: string, declared: string | null | undefined): boolean {
    if (this.entries === null) return true;
    const name = filename.toLowerCase();
    const types = [declaredType(declared), typeFromExtension(filename)].filter((t): t is string => t !== null);
    return this.entries.some((entry) => {
      if (entry.startsWith('.')) return name.endsWith(entry) && name.length > entry.length;
      if (entry.endsWith('/*')) return types.some((t) => t.startsWith(entry.slice(0, -1)));
      return types.includes(entry);
    });
  }

  describe(): string {
    return this.entries === null ? 'any type' : this.entries.join(', ');
  }
}
