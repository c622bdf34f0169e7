import type { Config } from '../config/config.js';
import type { Storage } from './blobStore.js';
import { fsStorage } from './fsStorage.js';
import type { StorageLayout } from './storageLayout.js';

/** The storage STORAGE names; the only place that knows which backends there are. */
export function createStorage(config: Config, layout: StorageLayout): Promise<Storage> {
  return fsStorage(layout, config.uploadExpirationMs);
}
