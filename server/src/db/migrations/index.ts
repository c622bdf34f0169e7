import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './001_initial.js';
import * as uploads from './002_uploads.js';
import * as liveJobPerFile from './003_live_job_per_file.js';
import * as accounts from './004_accounts.js';
import * as protocol from './006_protocol.js';
import * as admin from './007_admin.js';
import * as crc32 from './008_crc32.js';
import * as shares from './009_shares.js';
import * as requests from './010_requests.js';
import * as encryption from './012_encryption.js';
import * as search from './013_search.js';
import * as searchScale from './014_search_scale.js';
import * as statusCounts from './015_status_counts.js';

/** Migrations are listed in code, not read from a folder, so built and test runs see the same set. */
const MIGRATIONS: Record<string, Migration> = {
  '001_initial': initial,
  '002_uploads': uploads,
  '003_live_job_per_file': liveJobPerFile,
  '004_accounts': accounts,
  '006_protocol': protocol,
  '007_admin': admin,
  '008_crc32': crc32,
  '009_shares': shares,
  '010_requests': requests,
  '012_encryption': encryption,
  '013_search': search,
  '014_search_scale': searchScale,
  '015_status_counts': statusCounts,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
