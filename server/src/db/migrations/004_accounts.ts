import type { Kysely } from 'kysely';
import { canonicalEmail, defaultDisplayName, isValidEmail, withoutInvisible } from '@dropline/contract';

// Accounts get a display name (what other people see instead of the email), and every stored email
// is brought into the canonical form that register and login now compare on (NFC, lower case, no
// invisible characters). Emails used to be stored only lower-cased, so `café` in NFC and NFD, or an
// address with a trailing zero-width space or NUL, could each be a separate account.
//
// When two accounts land on the same canonical email, neither is lost and the migration never
// fails: the oldest account (by created_at, then id) keeps the address; each newer one gets
// `<local>+dup-<first 8 characters of its id>@<domain>` (or `<id>@dropline.invalid` when that is
// not a valid address), so its owner can still sign in with their password once an admin tells
// them the address. An account whose email cannot be made valid gets `<id>@dropline.invalid` the
// same way. Every changed address keeps its old value in `original_email`. Portable SQL only.

interface Row {
  id: string;
  email: string;
  created_at: string;
}

interface Assigned {
  email: string;
  displayName: string;
}

/**
 * Where each account's email goes: first come keeps its canonical address, the rest get a unique
 * stand-in. The display name comes from the canonical address, so a stand-in's owner keeps theirs.
 */
export function assignEmails(rows: Row[]): Map<string, Assigned> {
  const ordered = [...rows].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? -1 : 1) : a.created_at < b.created_at ? -1 : 1));
  const assigned = new Map<string, Assigned>();
  const taken = new Set<string>();
  const later: Array<[Row, string]> = [];
  for (const row of ordered) {
    const canonical = canonicalEmail(withoutInvisible(row.email));
    if (isValidEmail(canonical) && !taken.has(canonical)) {
      assigned.set(row.id, { email: canonical, displayName: defaultDisplayName(canonical) });
      taken.add(canonical);
    } else {
      later.push([row, canonical]);
    }
  }
  // Stand-ins are chosen after every canonical address is known, so none can take a real one.
  for (const [row, canonical] of later) {
    const at = canonical.lastIndexOf('@');
    const tagged = at > 0 ? `${canonical.slice(0, at)}+dup-${row.id.slice(0, 8).toLowerCase()}${canonical.slice(at)}` : '';
    const email = isValidEmail(tagged) && !taken.has(tagged) ? tagged : `${row.id.toLowerCase()}@dropline.invalid`;
    assigned.set(row.id, { email, displayName: defaultDisplayName(canonical) });
    taken.add(email);
  }
  return assigned;
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('users')
    .addColumn('display_name', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await db.schema.alterTable('users').addColumn('original_email', 'text').execute();

  const rows: Row[] = await db.selectFrom('users').select(['id', 'email', 'created_at']).execute();
  const assigned = assignEmails(rows);
  const changed = rows.filter((row) => assigned.get(row.id)!.email !== row.email);
  await moveAside(db, changed);
  for (const row of changed) await db.updateTable('users').set({ original_email: row.email }).where('id', '=', row.id).execute();
  for (const row of rows) {
    const { email, displayName } = assigned.get(row.id)!;
    await db.updateTable('users').set({ email, display_name: displayName }).where('id', '=', row.id).execute();
  }
}

/** Moving in two steps means no update meets the unique index half-way (A taking B's address before B moved). */
async function moveAside(db: Kysely<any>, rows: Array<{ id: string }>): Promise<void> {
  for (const row of rows)
    await db
      .updateTable('users')
      .set({ email: `migrating:${row.id}` })
      .where('id', '=', row.id)
      .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  const moved = await db.selectFrom('users').select(['id', 'original_email']).where('original_email', 'is not', null).execute();
  await moveAside(db, moved);
  for (const row of moved) await db.updateTable('users').set({ email: row.original_email }).where('id', '=', row.id).execute();
  await db.schema.alterTable('users').dropColumn('original_email').execute();
  await db.schema.alterTable('users').dropColumn('display_name').execute();
}
