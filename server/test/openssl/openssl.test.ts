import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { gcmOpen, gcmSeal, isSha256State, SHA256_STATE_BYTES, sha256Digest, sha256Update } from '@dropline/openssl';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('SHA-256 on OpenSSL with a state that can be saved', () => {
  it('gives node:crypto’s digest for any cutting of the bytes, each state saved, stored as text and loaded again', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat({ max: 2000 }), { maxLength: 12 }), (data, cuts) => {
        const points = [...new Set([0, ...cuts.map((c) => c % (data.length + 1)), data.length])].sort((a, b) => a - b);
        let state: Uint8Array | null = null;
        for (let i = 1; i < points.length; i++) {
          const saved = Buffer.from(sha256Update(state, data.subarray(points[i - 1], points[i]))).toString('base64');
          state = Buffer.from(saved, 'base64');
          expect(isSha256State(state)).toBe(true);
          expect(state.length).toBe(SHA256_STATE_BYTES);
        }
        expect(sha256Digest(state).toString('hex')).toBe(sha256(data));
      }),
      { numRuns: 300 },
    );
  });

  it('takes bytes at any offset of any typed array, and a digest leaves the state as it was', () => {
    const words = new Uint32Array([1, 2, 3, 4, 5]);
    const bytes = new Uint8Array(words.buffer);
    expect(sha256Digest(sha256Update(null, words)).toString('hex')).toBe(sha256(bytes));
    const state = sha256Update(null, bytes.subarray(3, 11));
    expect(sha256Digest(state).toString('hex')).toBe(sha256(bytes.subarray(3, 11)));
    expect(sha256Digest(sha256Update(state, bytes.subarray(11))).toString('hex')).toBe(sha256(bytes.subarray(3)));
    expect(sha256Digest(null).toString('hex')).toBe(sha256(new Uint8Array(0)));
  });

  it('refuses what it did not save, and bytes that are not bytes, with a TypeError', () => {
    const good = sha256Update(null, Buffer.from('abc'));
    const foreign = [
      Buffer.alloc(116), // hash-wasm's layout
      good.subarray(0, SHA256_STATE_BYTES - 1),
      Buffer.concat([Buffer.from('DS256v2\0'), good.subarray(8)]),
      // A length past SHA-256's 2^64 bits.
      Buffer.concat([good.subarray(0, 40), Buffer.alloc(8, 0xff), good.subarray(48)]),
    ];
    for (const state of foreign) {
      expect(isSha256State(state)).toBe(false);
      expect(() => sha256Update(state, Buffer.from('x'))).toThrow(TypeError);
      expect(() => sha256Digest(state)).toThrow(TypeError);
    }
    expect(() => sha256Update(null, 'text' as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => sha256Update({} as Uint8Array, Buffer.from('x'))).toThrow(TypeError);
  });
});

describe('AES-256-GCM into given memory', () => {
  const nodeSeal = (key: Buffer, nonce: Buffer, aad: Buffer, plain: Buffer) => {
    const cipher = createCipheriv('aes-256-gcm', key, nonce).setAAD(aad);
    return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  };

  it('seals byte for byte as node:crypto does, from any pieces at any offset, and each opens what the other sealed', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }),
        fc.nat({ max: 50 }),
        (keyBytes, nonceBytes, aadBytes, pieces, at) => {
          const [key, nonce, aad] = [Buffer.from(keyBytes), Buffer.from(nonceBytes), Buffer.from(aadBytes)];
          const plain = Buffer.concat(pieces);
          const expected = nodeSeal(key, nonce, aad, plain);
          const out = Buffer.alloc(at + expected.length + 7, 0xee);
          expect(gcmSeal(key, nonce, aad, pieces, out, at)).toBe(at + expected.length);
          expect(out.subarray(at, at + expected.length)).toEqual(expected);
          // Nothing around the output is touched.
          expect(out.subarray(0, at).every((b) => b === 0xee) && out.subarray(at + expected.length).every((b) => b === 0xee)).toBe(true);

          const opened = Buffer.alloc(plain.length + at);
          const tag = expected.subarray(plain.length);
          expect(gcmOpen(key, nonce, aad, expected.subarray(0, plain.length), tag, opened, at)).toBe(true);
          expect(opened.subarray(at)).toEqual(plain);
          const decipher = createDecipheriv('aes-256-gcm', key, nonce).setAAD(aad).setAuthTag(tag);
          expect(Buffer.concat([decipher.update(out.subarray(at, at + plain.length)), decipher.final()])).toEqual(plain);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a changed byte of ciphertext, tag, nonce or additional data', () => {
    const [key, nonce, aad, plain] = [randomBytes(32), randomBytes(12), Buffer.from('chunk 7'), randomBytes(1000)];
    const sealed = nodeSeal(key, nonce, aad, plain);
    const body = sealed.subarray(0, plain.length);
    const tag = sealed.subarray(plain.length);
    const flipped = (b: Buffer, at: number) => {
      const copy = Buffer.from(b);
      copy[at]! ^= 1;
      return copy;
    };
    const out = Buffer.alloc(plain.length);
    expect(gcmOpen(key, nonce, aad, body, tag, out, 0)).toBe(true);
    expect(gcmOpen(key, nonce, aad, flipped(body, 500), tag, out, 0)).toBe(false);
    expect(gcmOpen(key, nonce, aad, body, flipped(tag, 15), out, 0)).toBe(false);
    expect(gcmOpen(key, flipped(nonce, 0), aad, body, tag, out, 0)).toBe(false);
    expect(gcmOpen(key, nonce, Buffer.from('chunk 8'), body, tag, out, 0)).toBe(false);
    expect(gcmOpen(flipped(key, 31), nonce, aad, body, tag, out, 0)).toBe(false);
  });

  it('throws instead of writing past the memory it is given, or with a key, nonce or tag of the wrong size', () => {
    const [key, nonce, aad] = [randomBytes(32), randomBytes(12), Buffer.alloc(0)];
    const out = Buffer.alloc(100);
    expect(() => gcmSeal(key, nonce, aad, [Buffer.alloc(85)], out, 0)).toThrow(RangeError);
    expect(() => gcmSeal(key, nonce, aad, [Buffer.alloc(10)], out, 80)).toThrow(RangeError);
    expect(() => gcmSeal(key, nonce, aad, [Buffer.alloc(1)], out, -1)).toThrow(RangeError);
    expect(() => gcmSeal(key, nonce, aad, [Buffer.alloc(1)], out, 1.5)).toThrow(RangeError);
    expect(() => gcmSeal(key, nonce, aad, [Buffer.alloc(1)], out, Number.NaN)).toThrow(RangeError);
    expect(() => gcmSeal(key.subarray(1), nonce, aad, [], out, 0)).toThrow(RangeError);
    expect(() => gcmSeal(key, nonce.subarray(1), aad, [], out, 0)).toThrow(RangeError);
    expect(() => gcmSeal(key, nonce, aad, ['text' as unknown as Uint8Array], out, 0)).toThrow(TypeError);
    expect(() => gcmOpen(key, nonce, aad, Buffer.alloc(101), Buffer.alloc(16), out, 0)).toThrow(RangeError);
    expect(() => gcmOpen(key, nonce, aad, Buffer.alloc(10), Buffer.alloc(15), out, 0)).toThrow(RangeError);
    expect(gcmSeal(key, nonce, aad, [Buffer.alloc(84)], out, 0)).toBe(100);
  });
});
