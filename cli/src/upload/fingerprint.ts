import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';

const MIB = 2 ** 20;

export interface FileIdentity {
  size: number;
  mtimeMs: number;
  /** SHA-256 of the first and the last MiB: catches a file rewritten with the same size and a restored mtime. */
  edges: string;
}

/** Size, mtime and a hash of the file's first and last MiB: what tells "the same file" from "changed since". */
export async function identify(path: string): Promise<FileIdentity> {
  const info = await stat(path);
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(MIB, info.size));
    await handle.read(head, 0, head.length, 0);
    hash.update(head);
    const tailStart = Math.max(head.length, info.size - MIB);
    const tail = Buffer.alloc(info.size - tailStart);
    await handle.read(tail, 0, tail.length, tailStart);
    hash.update(tail);
  } finally {
    await handle.close();
  }
  return { size: info.size, mtimeMs: info.mtimeMs, edges: hash.digest('hex') };
}

/**
 * The key an interrupted upload is found by: the server and account it went to, the file's
 * absolute path and its identity. A file changed since gets another key, so it starts over.
 */
export function fingerprintOf(server: string, userId: string, absolutePath: string, identity: FileIdentity): string {
  return createHash('sha256')
    .update(JSON.stringify(['dropline-1', server, userId, absolutePath, identity.size, identity.mtimeMs, identity.edges]))
    .digest('hex');
}
