import { z } from 'zod';
import { Usage } from './auth.js';
import { Role } from './auth.js';
import { cursorPage, Id, IdParams, IsoDateTime, rejectedAs } from './common.js';
import { defineRoute } from './route.js';

/** The largest quota that still round-trips through JSON and a JS number exactly. */
const MAX_QUOTA = Number.MAX_SAFE_INTEGER;

const limit = (fallback: number) =>
  z.coerce.number().int().min(1).max(100).default(fallback).meta({ type: 'integer', minimum: 1, maximum: 100, default: fallback });
const cursor = z.string().optional().meta({ description: 'The `nextCursor` of the previous page (opaque).' });
const optionalText = (max: number) => z.string().trim().max(max).optional();

/** `GET /api/admin/users`: `q` matches the email or display name. */
export const AdminUsersQuery = z.strictObject({ q: optionalText(254), limit: limit(20), cursor }).meta(rejectedAs('invalid_query'));
export type AdminUsersQuery = z.output<typeof AdminUsersQuery>;

/** `PATCH /api/admin/users/{id}`: at least one of the three. */
export const AdminUserChanges = z
  .strictObject({
    role: Role.optional(),
    disabled: z.boolean().optional().meta({ description: "true ends the account's sessions, refresh tokens and sockets at once." }),
    quotaBytes: z.number().int().min(0).max(MAX_QUOTA).nullable().optional().meta({ description: 'null: the default quota (`DEFAULT_QUOTA`).' }),
  })
  .refine((v) => Object.keys(v).length > 0, 'Give role, disabled or quotaBytes.')
  .meta({ id: 'AdminUserChanges', ...rejectedAs('invalid_request') });
export type AdminUserChanges = z.output<typeof AdminUserChanges>;

/** `GET /api/admin/audit`: `action=file.` gives a family; `from`/`to` are ISO dates or date-times (`to` inclusive). */
export const AuditQuery = z
  .strictObject({
    actor: optionalText(254).meta({ description: 'An account id or email.' }),
    action: z
      .string()
      .regex(/^[a-z_]+(\.[a-z_]*)?$/)
      .optional(),
    from: z.string().optional(),
    to: z.string().optional(),
    limit: limit(50),
    cursor,
  })
  .meta(rejectedAs('invalid_query'));
export type AuditQuery = z.output<typeof AuditQuery>;

export const AdminUser = z
  .object({ id: Id, email: z.string(), displayName: z.string(), role: Role, disabled: z.boolean(), createdAt: IsoDateTime, usage: Usage })
  .meta({ id: 'AdminUser' });
export type AdminUser = z.infer<typeof AdminUser>;

/** One audited action; never holds tokens or passwords. */
export const AuditEntry = z
  .object({
    id: Id,
    at: IsoDateTime,
    actor: z.object({ id: Id, email: z.string() }).nullable().meta({ description: 'null: anonymous (a failed sign-in).' }),
    action: z.string().meta({ example: 'user.update' }),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    ip: z.string().nullable(),
    requestId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AdminUserPage = cursorPage(AdminUser).meta({ id: 'AdminUserPage' });
export const AuditPage = cursorPage(AuditEntry).meta({ id: 'AuditPage' });

/** Any `nextCursor` page of items. */
export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

const noUser = { description: 'No user with this id.' };
const lastAdmin = { description: 'The last active administrator cannot be demoted, disabled or deleted (`last_admin`).' };

/** Admin only: everyone else gets 403. */
export const adminRoutes = {
  users: defineRoute({
    method: 'get',
    path: '/api/admin/users',
    tags: ['Administration'],
    summary: 'List accounts with their usage',
    auth: 'admin',
    query: AdminUsersQuery,
    responses: {
      200: { description: 'A page of accounts, newest first.', body: AdminUserPage },
      400: { description: 'A bad parameter (`invalid_query`).' },
    },
  }),
  updateUser: defineRoute({
    method: 'patch',
    path: '/api/admin/users/{id}',
    tags: ['Administration'],
    summary: "Change an account's role, disabled state or quota",
    auth: 'admin',
    params: IdParams,
    body: AdminUserChanges,
    responses: {
      200: { description: 'The account, changed.', body: AdminUser },
      400: { description: 'A bad field (`invalid_request`).' },
      404: noUser,
      409: lastAdmin,
    },
  }),
  removeUser: defineRoute({
    method: 'delete',
    path: '/api/admin/users/{id}',
    tags: ['Administration'],
    summary: 'Delete an account and everything it owns',
    auth: 'admin',
    params: IdParams,
    responses: { 204: { description: 'Deleted: files, uploads and the account.' }, 404: noUser, 409: lastAdmin },
  }),
  audit: defineRoute({
    method: 'get',
    path: '/api/admin/audit',
    tags: ['Administration'],
    summary: 'The audit trail',
    auth: 'admin',
    query: AuditQuery,
    responses: {
      200: { description: 'A page of entries, newest first.', body: AuditPage },
      400: { description: 'A bad parameter (`invalid_query`).' },
    },
  }),
};
