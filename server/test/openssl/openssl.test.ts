import { createHash } from 'node:crypto';
import { isSha256State, SHA256_STATE_BYTES, sha256Digest, sha256Update } from '@dropline/openssl';
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
