import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './001_initial.js';
import * as uploads from './002_uploads.js';

/** Migrations are listed in code, not read from a folder, so built and test runs see the same set. */
const MIGRATIONS: Record<string, Migration> = {
  '001_initial': initial,
  '002_uploads': uploads,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
