import { sql, type SelectQueryBuilder, type StringReference } from 'kysely';
import { isSafeId } from '../storage/storageLayout.js';

/** A position in a newest-first listing: the last item a page showed. */
export interface Cursor {
  createdAt: string;
  id: string;
}

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The opaque cursor every paged listing hands out: base64url of the last item's (createdAt, id). */
export const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');

/** The cursor's position, or null when the text is not one of ours; callers answer with their own 400. */
export function decodeCursor(text: string): Cursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2) {
      const [createdAt, id] = value as unknown[];
      if (typeof createdAt === 'string' && ISO_TIMESTAMP.test(createdAt) && typeof id === 'string' && isSafeId(id)) return { createdAt, id };
    }
  } catch {
    // not base64url JSON: the same answer as any other bad cursor
  }
  return null;
}

/**
 * A page of a newest-first listing ordered by (`createdAt`, `id`), both descending: the rows strictly
 * after `cursor` (from the newest when null), one more than `limit` so the caller knows whether more
 * follow. Row values, not `a < x or (a = x and b < y)`: both engines bound the index range with them,
 * where the `or` form walks every newer row first.
 */
export function newestFirstPage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  cursor: Cursor | null,
  limit: number,
  createdAt: StringReference<DB, TB>,
  id: StringReference<DB, TB>,
): SelectQueryBuilder<DB, TB, O> {
  return query
    .$if(cursor !== null, (qb) => qb.where(sql<boolean>`(${sql.ref(createdAt)}, ${sql.ref(id)}) < (${cursor!.createdAt}, ${cursor!.id})`))
    .orderBy(createdAt, 'desc')
    .orderBy(id, 'desc')
    .limit(limit + 1);
}
