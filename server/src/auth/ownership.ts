import type { AuthUser } from './tokens.js';

/**
 * The one rule for who may see or act on a file or an upload: its owner, or an admin. Callers
 * answer 404 otherwise, so nobody learns that someone else's id exists.
 */
export function mayAccess(user: AuthUser, ownerId: string): boolean {
  return user.id === ownerId || user.role === 'admin';
}
