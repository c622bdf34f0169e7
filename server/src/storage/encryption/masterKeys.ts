import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { DATA_KEY_BYTES } from './chunks.js';
import { contentCorrupt, encryptionKeyMissing, encryptionKeyUnknown } from './refusals.js';

/** A data key wrapped by a master key, and which master key that was. */
export interface WrappedKey {
  keyId: string;
  /** nonce (12) | encrypted data key (32) | tag (16), AES-256-GCM under the master key. */
  wrapped: Buffer;
}

const WRAP_CONTEXT = Buffer.from('dropline data key v1');

/**
 * A master key's public name: 64 bits of an HMAC under the key, so a stored wrap says which key made
 * it (and a key that is not configured is named in the refusal) without telling anything about it.
 */
export const keyIdOf = (master: Buffer): string => createHmac('sha256', master).update('dropline master key id').digest('hex').slice(0, 16);

/**
 * ENCRYPTION_KEY and ENCRYPTION_KEY_PREVIOUS. New data keys are wrapped by the current key; either
 * key unwraps what it wrapped, so files stored before a rotation stay readable until `rewrap-keys`
 * has moved them all to the current key.
 */
export class MasterKeys {
  private readonly byId: Map<string, Buffer>;
  readonly currentId: string | null;

  constructor(
    private readonly current: Buffer | null,
    previous: Buffer | null = null,
  ) {
    this.currentId = current ? keyIdOf(current) : null;
    this.byId = new Map([previous, current].filter((k): k is Buffer => k !== null).map((k) => [keyIdOf(k), k]));
  }

  /** Whether new objects are encrypted (ENCRYPTION_KEY is set). */
  get enabled(): boolean {
    return this.current !== null;
  }

  /** A fresh random data key, and its wrap under the current master key. */
  newDataKey(): { dataKey: Buffer; wrap: WrappedKey } {
    const dataKey = randomBytes(DATA_KEY_BYTES);
    return { dataKey, wrap: this.wrap(dataKey) };
  }

  wrap(dataKey: Buffer): WrappedKey {
    if (!this.current) throw encryptionKeyMissing();
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current, nonce).setAAD(WRAP_CONTEXT);
    const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return { keyId: this.currentId!, wrapped: Buffer.concat([nonce, body, cipher.getAuthTag()]) };
  }

  /** The data key inside a wrap; refused clearly when its master key is not configured or it was altered. */
  unwrap({ keyId, wrapped }: WrappedKey): Buffer {
    const master = this.byId.get(keyId);
    if (!master) throw this.byId.size === 0 ? encryptionKeyMissing() : encryptionKeyUnknown();
    if (wrapped.length !== 12 + DATA_KEY_BYTES + 16) throw contentCorrupt();
    const decipher = createDecipheriv('aes-256-gcm', master, wrapped.subarray(0, 12))
      .setAAD(WRAP_CONTEXT)
      .setAuthTag(wrapped.subarray(12 + DATA_KEY_BYTES));
    const dataKey = decipher.update(wrapped.subarray(12, 12 + DATA_KEY_BYTES));
    try {
      decipher.final();
    } catch {
      throw contentCorrupt();
    }
    return dataKey;
  }

  /** The same data key wrapped by the current master key; null when it already is. */
  rewrap(wrap: WrappedKey): WrappedKey | null {
    if (wrap.keyId === this.currentId) return null;
    return this.wrap(this.unwrap(wrap));
  }
}
