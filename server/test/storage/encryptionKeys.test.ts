import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { EncryptionKeysRepository } from '../../src/encryption/encryptionKeys.repository.js';
import { keyIdOf, MasterKeys } from '../../src/storage/encryption/masterKeys.js';
import { rewrapAll } from '../../src/storage/encryption/rewrap.js';
import { createPostgresDatabase, postgresAvailable } from '../helpers/services.js';

/** The wrapped keys' table and the rotation over it, on both databases. */

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const targets: Array<[string, () => Promise<string>]> = [
  ['sqlite', async () => `sqlite:${path.join(mkdtempSync(path.join(tmpdir(), 'dropline-keys-')), 'db.sqlite')}`],
];
if (await postgresAvailable()) {
  targets.push([
    'postgres',
    async () => {
      const created = await createPostgresDatabase();
      cleanups.push(() => created.drop());
      return created.url;
    },
  ]);
}

describe.each(targets)('encryption keys on %s', (_name, makeUrl) => {
  async function open(): Promise<{ handle: DatabaseHandle; records: EncryptionKeysRepository }> {
    const handle = openDatabase(await makeUrl());
    cleanups.unshift(() => handle.close());
    await migrateToLatest(handle.db);
    return { handle, records: new EncryptionKeysRepository(handle.db) };
  }

  it('keeps a wrap and a tail per object, and forgets a folder of them without touching look-alikes', async () => {
    const { records } = await open();
    const keys = new MasterKeys(randomBytes(32));
    const wrap = keys.newDataKey().wrap;
    await records.put('uploads/a_b', wrap);
    expect(await records.find('uploads/a_b')).toEqual({ wrap, tail: null });
    await records.saveTail('uploads/a_b', { index: 7, sealed: Buffer.from('sealed tail') });
    expect((await records.find('uploads/a_b'))?.tail).toEqual({ index: 7, sealed: Buffer.from('sealed tail') });
    // Storing the object again (a derived file redone) starts over with its new key and no tail.
    const again = keys.newDataKey().wrap;
    await records.put('uploads/a_b', again);
    expect(await records.find('uploads/a_b')).toEqual({ wrap: again, tail: null });

    for (const key of ['derived/a_b/thumbnail.webp', 'derived/a_b/other', 'derived/aXb/thumbnail.webp', 'derived/a_bc/thumbnail.webp'])
      await records.put(key, wrap);
    await records.removeUnder('derived/a_b/');
    expect(await records.find('derived/a_b/thumbnail.webp')).toBeNull();
    expect(await records.find('derived/a_b/other')).toBeNull();
    expect(await records.find('derived/aXb/thumbnail.webp')).not.toBeNull();
    expect(await records.find('derived/a_bc/thumbnail.webp')).not.toBeNull();
    await records.remove('uploads/a_b');
    expect(await records.find('uploads/a_b')).toBeNull();
  });

  it('rewrap-keys moves every data key under the current master key, page after page, and reports the ones it cannot read', async () => {
    const { records } = await open();
    const old = randomBytes(32);
    const current = randomBytes(32);
    const dataKeys = new Map<string, Buffer>();
    const before = new MasterKeys(old);
    for (let i = 0; i < 1001; i++) {
      const { dataKey, wrap } = before.newDataKey();
      const objectKey = `uploads/${i.toString().padStart(5, '0')}`;
      dataKeys.set(objectKey, dataKey);
      await records.put(objectKey, wrap);
    }
    await records.put('uploads/foreign', new MasterKeys(randomBytes(32)).newDataKey().wrap);

    const rotated = new MasterKeys(current, old);
    const report = await rewrapAll(rotated, records);
    expect(report).toEqual({ rewrapped: 1001, unreadable: ['uploads/foreign'] });
    const after = new MasterKeys(current);
    for (const [objectKey, dataKey] of dataKeys) {
      const record = (await records.find(objectKey))!;
      expect(record.wrap.keyId).toBe(keyIdOf(current));
      expect(after.unwrap(record.wrap).equals(dataKey)).toBe(true);
    }
    // Running it again finds nothing left to do.
    expect(await rewrapAll(rotated, records)).toEqual({ rewrapped: 0, unreadable: ['uploads/foreign'] });
  }, 120_000);

  it('a wrap replaced meanwhile (a server stored the object again) is left as it is', async () => {
    const { records } = await open();
    const keys = new MasterKeys(randomBytes(32), randomBytes(32));
    const first = keys.newDataKey().wrap;
    await records.put('uploads/x', first);
    const second = keys.newDataKey().wrap;
    await records.put('uploads/x', second);
    expect(await records.replaceWrap('uploads/x', first, keys.wrap(randomBytes(32)))).toBe(false);
    expect((await records.find('uploads/x'))?.wrap).toEqual(second);
  });
});
