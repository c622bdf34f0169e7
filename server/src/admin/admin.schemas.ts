import { z } from 'zod';
import { decodeCursor, type Cursor } from '../db/cursor.js';
import type { AuditFilter } from '../audit/auditLog.js';
import { parseDate } from '../http/dates.js';
import { badRequest } from '../http/errors.js';
import type { UserChanges } from './admin.repository.js';

/** The largest quota that still round-trips through JSON and a JS number exactly. */
const MAX_QUOTA = Number.MAX_SAFE_INTEGER;

const limit = z.coerce.number().int().min(1).max(100).default(20);
const cursor = z
  .string()
  .transform((text, ctx) => decodeCursor(text) ?? (ctx.addIssue({ code: 'custom', message: 'not a cursor of ours' }), z.NEVER))
  .optional();
const optionalText = (max: number) => z.string().trim().max(max).optional();

export const usersQuerySchema = z.strictObject({ q: optionalText(254), limit, cursor });

export const userChangesSchema = z
  .strictObject({
    role: z.enum(['user', 'admin']).optional(),
    disabled: z.boolean().optional(),
    quotaBytes: z.number().int().min(0).max(MAX_QUOTA).nullable().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'Give role, disabled or quotaBytes.');

export const auditQuerySchema = z.strictObject({
  actor: optionalText(254),
  action: z.string().regex(/^[a-z_]+(\.[a-z_]*)?$/).optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor,
});

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

/** zod's first problem as the contract's 400, naming the field. */
function parsed<T extends z.ZodType>(schema: T, input: unknown, code: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw badRequest(`${where}${issue.message}`, code);
}

export function parseUsersQuery(query: unknown): UsersQuery {
  const v = parsed(usersQuerySchema, query, 'invalid_query');
  return { q: v.q ? v.q : null, cursor: v.cursor ?? null, limit: v.limit };
}

export function parseUserChanges(body: unknown): UserChanges {
  return parsed(userChangesSchema, body, 'invalid_request');
}

export function parseAuditQuery(query: unknown): AuditQuery {
  const v = parsed(auditQuerySchema, query, 'invalid_query');
  return {
    filter: {
      actor: v.actor ? v.actor : null,
      action: v.action ?? null,
      from: v.from === undefined ? null : parseDate('from', v.from).start,
      before: v.to === undefined ? null : parseDate('to', v.to).endExclusive,
    },
    cursor: v.cursor ?? null,
    limit: v.limit,
  };
}
