import { describe, expect, it } from 'vitest';
import { isSafeId, newId } from '../../src/storage/storageLayout.js';

describe('upload and file ids', () => {
  it('are safe for paths, unique, and never start with "-" (which a command line reads as an option)', () => {
    // A base64url id starts with "-" once in 64 draws: 20,000 draws would show ~300 of them.
    const ids = Array.from({ length: 20_000 }, newId);
    expect(ids.filter((id) => !isSafeId(id))).toEqual([]);
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids.map((id) => id.length))).toEqual(new Set([22]));
  });
});
