/**
 * Every migration, in the order a new database runs them: the one list a new migration is added
 * to, for the tests that check what a migration run applies.
 */
export const MIGRATIONS = [
  '001_initial',
  '002_uploads',
  '003_live_job_per_file',
  '004_accounts',
  '006_protocol',
  '007_admin',
  '008_crc32',
  '009_shares',
  '010_requests',
  '012_encryption',
  '013_search',
  '014_search_scale',
  '015_status_counts',
];

/** The migrations that run after `name` has: what a database left at the one before it still needs. */
export const migrationsFrom = (name: string): string[] => MIGRATIONS.slice(MIGRATIONS.indexOf(name));
