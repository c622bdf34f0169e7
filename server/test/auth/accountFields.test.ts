import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalEmail, defaultDisplayName, parseDisplayName, parseEmail } from '../../src/auth/accountFields.js';
import { HttpError } from '../../src/http/errors.js';

const refusal = (run: () => unknown): string | null => {
  try {
    run();
    return null;
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    expect(err.status).toBe(400);
    return err.code;
  }
};

/** Characters that show nothing (or reorder text) and so could make one address look like another. */
const INVISIBLE = [
  '\u0000',
  '\u0007',
  '\n',
  '\t',
  '\u007f',
  '\u0085',
  '\u00ad',
  '\u034f',
  '\u061c',
  '\u115f',
  '\u180e',
  '\u200b',
  '\u200c',
  '\u200d',
  '\u200e',
  '\u200f',
  '\u2028',
  '\u2029',
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2060',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u3164',
  '\ufe0f',
  '\ufeff',
  '\u{e0001}',
  '\ud800',
  '\ue000',
];

// biome-ignore lint/suspicious/noMisleadingCharacterClass: combining marks are meant to stand alone here, so NFC normalisation has decomposed input to fold
const local = fc.stringMatching(/^[a-zA-Z0-9._+\u00c0-\u024f\u0300-\u036f\u0391-\u03c9]{1,20}$/);
const domain = fc.stringMatching(/^[a-zA-Z0-9-]{1,15}\.[a-zA-Z]{2,6}$/);
const email = fc.tuple(local, domain).map(([l, d]) => `${l}@${d}`);

describe('emails', () => {
  it('are canonical (NFC, lower case) and canonicalising twice changes nothing', () => {
    fc.assert(
      fc.property(email, (address) => {
        const canonical = canonicalEmail(address);
        expect(canonicalEmail(canonical)).toBe(canonical);
        expect(canonical).toBe(canonical.normalize('NFC'));
        expect(canonical).toBe(canonical.toLowerCase());
      }),
    );
  });

  it('compare equal in NFC, NFD and upper or lower case', () => {
    // Only ASCII is upper-cased here: for letters like the dotless i, upper case is not undone by lower case.
    const upper = (s: string) => s.replace(/[a-z]/g, (c) => c.toUpperCase());
    fc.assert(
      fc.property(email, (address) => {
        const forms = [address.normalize('NFC'), address.normalize('NFD'), upper(address), upper(address.normalize('NFD')), address.toLowerCase()];
        const parsed = forms.map((f) => refusal(() => parseEmail(f)) ?? parseEmail(f));
        expect(new Set(parsed).size).toBe(1);
      }),
    );
  });

  it('with any invisible, control or direction character anywhere are refused', () => {
    fc.assert(
      fc.property(email, fc.constantFrom(...INVISIBLE), fc.nat(), (address, char, at) => {
        const i = at % (address.length + 1);
        expect(refusal(() => parseEmail(address.slice(0, i) + char + address.slice(i)))).toBe('invalid_email');
      }),
    );
  });

  it.each([
    ['caf\u00e9@example.com'],
    ['cafe\u0301@example.com'],
    ['CAFE\u0301@Example.COM'],
    ['  caf\u00e9@example.com '],
  ])('%j is caf\u00e9@example.com', (given) => {
    expect(parseEmail(given)).toBe('caf\u00e9@example.com');
  });

  it.each([
    [42],
    [null],
    [{}],
    ['x'.repeat(2000) + '@example.com'],
    ['no-at-sign'],
    ['a@b'],
    ['a b@example.com'],
    ['a@exa\u00a0mple.com'],
  ])('refuses %j', (given) => {
    expect(refusal(() => parseEmail(given))).toBe('invalid_email');
  });
});

describe('display names', () => {
  it.each([
    ['  Ada Lovelace  ', 'Ada Lovelace'],
    ['\u{1f468}\u200d\u{1f469}\u200d\u{1f467}', '\u{1f468}\u200d\u{1f469}\u200d\u{1f467}'],
    ['\u2764\ufe0f', '\u2764\ufe0f'],
    ['\u00e9'.repeat(64), '\u00e9'.repeat(64)],
    ['\u{1f600}'.repeat(64), '\u{1f600}'.repeat(64)],
    ['e\u0301', '\u00e9'],
  ])('accepts %j as %j', (given, expected) => {
    expect(parseDisplayName(given)).toBe(expected);
  });

  it.each([
    [''],
    ['   '],
    ['a'.repeat(65)],
    ['a\u0000b'],
    ['a\nb'],
    ['evil\u202etxt.exe'],
    ['\u2066x'],
    ['\u200b'],
    ['\u3164'],
    [42],
    [null],
    [['x']],
  ])('refuses %j', (given) => {
    expect(refusal(() => parseDisplayName(given))).toBe('invalid_display_name');
  });

  it('defaults to the part of a valid email before @, always itself a valid display name', () => {
    fc.assert(
      fc.property(
        email.filter((a) => refusal(() => parseEmail(a)) === null),
        (address) => {
          const canonical = parseEmail(address);
          const name = defaultDisplayName(canonical);
          // A local part with nothing visible in it (a lone combining mark) falls back to `user`.
          expect([canonical.slice(0, canonical.lastIndexOf('@')), 'user']).toContain(name);
          expect(parseDisplayName(name)).toBe(name);
        },
      ),
    );
  });
});
