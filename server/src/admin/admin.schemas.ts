import type { AuditQuery as AuditQueryInput, AdminUsersQuery } from '@dropline/contract';
import { decodeCursor, type Cursor } from '../db/cursor.js';
import type { AuditFilter } from '../audit/auditLog.js';
import { parseDate } from '../http/dates.js';
import { badRequest } from '../http/errors.js';

export interface UsersQuery {
  q: string | null;
  cursor: Cursor | null;
  limit: number;
}

export interface AuditQuery {
  filter: AuditFilter;
  cursor: Cursor | null;
  limit: number;
}

/** The opaque cursor (the contract's string) as a position, or the contract's 400. */
function cursorOf(text: string | undefined): Cursor | null {
  if (text === undefined) return null;
  const cursor = decodeCursor(text);
  if (!cursor) throw badRequest('cursor: not a cursor of ours', 'invalid_query');
  return cursor;
}

/** The contract's AdminUsersQuery (already validated) as the repository's terms. */
export function toUsersQuery(v: AdminUsersQuery): UsersQuery {
  return { q: v.q ? v.q : null, cursor: cursorOf(v.cursor), limit: v.limit };
}

/** The contract's AuditQuery (already validated) as the audit log's filter; a bad date is the contract's 400. */
export function toAuditQuery(v: AuditQueryInput): AuditQuery {
  return {
    filter: {
      actor: v.actor ? v.actor : null,
      action: v.action ?? null,
      from: v.from === undefined ? null : parseDate('from', v.from).start,
      before: v.to === undefined ? null : parseDate('to', v.to).endExclusive,
    },
    cursor: cursorOf(v.cursor),
    limit: v.limit,
  };
}
