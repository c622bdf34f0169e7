import { ConfigError, loadConfig } from './config/config.js';
import { openCore, type Closers } from './core.js';
import { createLogger } from './logger.js';
import { rewrapAll } from './storage/encryption/rewrap.js';

/**
 * `pnpm --filter @dropline/server run rewrap-keys` (in a container: `node dist/rewrapKeys.js`):
 * after a rotation (the new key in ENCRYPTION_KEY, the old one in ENCRYPTION_KEY_PREVIOUS), wraps
 * every stored object's data key under the new key without touching the stored bytes. Exit 0 when
 * every key is under ENCRYPTION_KEY, and ENCRYPTION_KEY_PREVIOUS may be removed; 1 when some are
 * under a key this configuration does not have (they are listed).
 */
async function main(): Promise<number> {
  const config = loadConfig();
  if (!config.encryptionKey) throw new ConfigError(['ENCRYPTION_KEY is required: it is the key every data key is wrapped under']);
  const closers: Closers = [];
  try {
    const { encryption } = await openCore(config, createLogger(config.logLevel).child({ role: 'rewrap-keys' }), closers, 'rewrap-keys');
    const report = await rewrapAll(encryption.keys, encryption.records);
    console.info(`re-wrapped ${report.rewrapped} data key(s) under ENCRYPTION_KEY (key id ${encryption.keys.currentId})`);
    if (report.unreadable.length === 0) return 0;
    console.error(
      `${report.unreadable.length} object(s) are under a key that is neither ENCRYPTION_KEY nor ENCRYPTION_KEY_PREVIOUS, and were left as they are:`,
    );
    for (const objectKey of report.unreadable) console.error(`  ${objectKey}`);
    return 1;
  } finally {
    for (const close of closers.splice(0)) await close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(err instanceof ConfigError ? 78 : 1);
  },
);
