import type { FileStatus } from '../db/schema.js';
import { decodeCursor, type Cursor } from '../db/cursor.js';
import { parseDate } from '../http/dates.js';
import { badRequest } from '../http/errors.js';
import type { FileFilter } from './files.repository.js';

export type Pagination =
  | { kind: 'cursor'; cursor: Cursor | null; limit: number }
  | { kind: 'page'; page: number; pageSize: number };

export interface ListQuery {
  /** `all` is honoured for admins only; everyone else always lists their own files. */
  owner: 'me' | 'all';
  filter: Omit<FileFilter, 'ownerId'>;
  pagination: Pagination;
}

const STATUSES: readonly FileStatus[] = ['uploaded', 'processing', 'processed', 'failed'];
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
const MAX_PAGE = 1_000_000;
const MIME_PREFIX = /^([a-z0-9][a-z0-9!#$&^_.+-]*\/)\*?$/;
const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

const invalid = (message: string) => badRequest(message, 'invalid_query');

function fileCursor(text: string): Cursor {
  const cursor = decodeCursor(text);
  if (!cursor) throw invalid('The cursor is not valid; use the nextCursor of a previous page.');
  return cursor;
}

/** Reads `GET /api/files` parameters; anything malformed is a 400 naming the parameter. */
export function parseListQuery(query: Record<string, unknown>): ListQuery {
  const one = (name: string): string | null => {
    const value = query[name];
    if (value === undefined) return null;
    if (typeof value !== 'string') throw invalid(`Give ${name} at most once.`);
    return value;
  };
  const integer = (name: string, min: number, max: number, fallback: number): number => {
    const text = one(name);
    if (text === null) return fallback;
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) throw invalid(`${name} must be a whole number from ${min} to ${max}.`);
    return n;
  };

  const owner = one('owner') ?? 'me';
  if (owner !== 'me' && owner !== 'all') throw invalid('owner must be "me" or "all".');

  const status = one('status');
  if (status !== null && !STATUSES.includes(status as FileStatus)) throw invalid(`status must be one of ${STATUSES.join(', ')}.`);

  const q = one('q')?.trim() ?? '';
  if (q.length > 200) throw invalid('q must be at most 200 characters long.');
  // No stored name or title holds control characters (they are cleaned on the way in), and PostgreSQL refuses NUL.
  if (/[\u0000-\u001f\u007f]/.test(q)) throw invalid('q may not contain control characters.');

  const type = one('type')?.trim().toLowerCase() ?? null;
  const prefix = type === null ? null : (MIME_PREFIX.exec(type)?.[1] ?? null);
  if (type !== null && prefix === null && !MIME_TYPE.test(type)) throw invalid('type must be a MIME type (image/png) or a prefix (image/).');

  const from = one('from');
  const to = one('to');
  const filter = {
    text: q === '' ? null : q,
    mimeType: prefix === null ? type : null,
    mimePrefix: prefix,
    status: status as FileStatus | null,
    createdFrom: from === null ? null : parseDate('from', from).start,
    createdBefore: to === null ? null : parseDate('to', to).endExclusive,
  };

  const paged = query.page !== undefined || query.pageSize !== undefined;
  if (paged && (query.cursor !== undefined || query.limit !== undefined)) {
    throw invalid('Use either limit and cursor, or page and pageSize, not both.');
  }
  const pagination: Pagination = paged
    ? { kind: 'page', page: integer('page', 1, MAX_PAGE, 1), pageSize: integer('pageSize', 1, MAX_LIMIT, DEFAULT_LIMIT) }
    : { kind: 'cursor', cursor: mapNullable(one('cursor'), fileCursor), limit: integer('limit', 1, MAX_LIMIT, DEFAULT_LIMIT) };
  return { owner, filter, pagination };
}

const mapNullable = <T, U>(value: T | null, map: (v: T) => U): U | null => (value === null ? null : map(value));
