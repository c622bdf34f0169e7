import type { FileStatus } from '../db/schema.js';
import { decodeCursor, type Cursor } from '../db/cursor.js';
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
const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
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

/**
 * An ISO 8601 date or date-time (UTC unless it names an offset). `to` includes the moment it names,
 * or the whole day for a bare date, so `from=2024-01-01&to=2024-01-31` covers all of January.
 */
function parseDate(name: string, text: string): { start: string; endExclusive: string } {
  const match = ISO_DATE.exec(text);
  const hasZone = match?.[5] !== undefined;
  const ms = match ? Date.parse(match[2] !== undefined && !hasZone ? `${text}Z` : text) : Number.NaN;
  const date = new Date(ms);
  // Date.parse rolls 2024-02-30 over to March; a date that doesn't come back as written is refused.
  const sameDay = Number.isFinite(ms) && (hasZone || date.toISOString().startsWith(match![1]!));
  if (!match || !sameDay || date.getUTCFullYear() < 1 || date.getUTCFullYear() > 9999) {
    throw invalid(`${name} must be an ISO 8601 date or date-time, such as 2024-01-31 or 2024-01-31T12:00:00Z.`);
  }
  const end = match[2] === undefined ? ms + 86_400_000 : ms + 1;
  return { start: date.toISOString(), endExclusive: new Date(end).toISOString() };
}

const mapNullable = <T, U>(value: T | null, map: (v: T) => U): U | null => (value === null ? null : map(value));
