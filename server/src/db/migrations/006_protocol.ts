import type { Kysely } from 'kysely';

// What the upload protocols need beyond ownership: which protocol an upload speaks, tus concatenation (which uploads are partials,
// which partials a final upload is made of) and the SHA-256 computed while bytes arrive, saved so
// a resume or a restart carries on from it instead of reading the file again. Portable types only.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('uploads')
    // null for an ordinary upload; 'partial' (never a file of its own) or 'final'.
    .addColumn('concat', 'text')
    .execute();
  // A final upload's partial ids, in order, as a JSON array.
  await db.schema.alterTable('uploads').addColumn('parts', 'text').execute();
  // hash-wasm's saved SHA-256 state (base64) after the first `hash_offset` bytes of the upload.
  await db.schema.alterTable('uploads').addColumn('hash_state', 'text').execute();
  await db.schema.alterTable('uploads').addColumn('hash_offset', 'bigint').execute();
  // The finished digest (hex), once every byte has been hashed.
  await db.schema.alterTable('uploads').addColumn('sha256', 'text').execute();
  // null for tus; 'ietf' for the IETF resumable-upload draft. An upload resumes only with its own.
  await db.schema.alterTable('uploads').addColumn('protocol', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['protocol', 'sha256', 'hash_offset', 'hash_state', 'parts', 'concat']) {
    await db.schema.alterTable('uploads').dropColumn(column).execute();
  }
}
