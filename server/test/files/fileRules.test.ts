import { describe, expect, it } from 'vitest';
import { contentDisposition } from '../../src/files/content.js';
import { cleanFilename, MAX_FILENAME_LENGTH } from '@dropline/contract';
import { AllowedFileTypes, mimeTypeOf } from '../../src/files/fileTypes.js';

describe('cleanFilename', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', '.._.._etc_passwd'],
    ['C:\\Users\\me\\x.txt', 'C:_Users_me_x.txt'],
    ['tab\there\nnewline', 'tabherenewline'],
    ['evil\u202Etxt.exe', 'eviltxt.exe'],
    ['  spaced  ', 'spaced'],
    ['Cafe\u0301.txt', 'Café.txt'],
  ])('%j becomes %j', (raw, clean) => {
    expect(cleanFilename(raw)).toBe(clean);
  });

  it.each(['', '   ', '\u0000\u0001', '.', '..', '...'])('refuses %j', (raw) => {
    expect(cleanFilename(raw)).toBeNull();
  });

  it('caps long names and keeps the extension', () => {
    const name = cleanFilename(`${'ä'.repeat(400)}.tar.gz`)!;
    expect(Array.from(name)).toHaveLength(MAX_FILENAME_LENGTH);
    expect(name.endsWith('.gz')).toBe(true);
  });
});

describe('AllowedFileTypes', () => {
  const allowed = new AllowedFileTypes(['.iso', '.tar.gz', 'image/*', 'application/pdf']);
  it.each([
    ['debian.iso', undefined, true],
    ['DEBIAN.ISO', undefined, true],
    ['backup.tar.gz', undefined, true],
    ['photo.jpg', undefined, true],
    ['photo', 'image/webp', true],
    ['doc', 'application/pdf; charset=binary', true],
    ['report.pdf', 'application/octet-stream', true],
    ['tool.exe', undefined, false],
    ['tool.exe', 'text/plain', false],
    ['iso', undefined, false],
    ['archive.gz', undefined, false],
  ])('%s (%s) allowed: %s', (filename, type, expected) => {
    expect(allowed.allows(filename, type)).toBe(expected);
  });

  it('allows anything without a list', () => {
    expect(new AllowedFileTypes(null).allows('x.exe', undefined)).toBe(true);
  });
});

describe('mimeTypeOf', () => {
  it('prefers a declared type, else the extension, else octet-stream', () => {
    expect(mimeTypeOf('a.png', 'image/webp')).toBe('image/webp');
    expect(mimeTypeOf('a.png', 'Image/PNG; q=1')).toBe('image/png');
    expect(mimeTypeOf('a.png', 'application/octet-stream')).toBe('image/png');
    expect(mimeTypeOf('a.png', 'not a type')).toBe('image/png');
    expect(mimeTypeOf('a.unknown', undefined)).toBe('application/octet-stream');
  });
});

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the RFC 5987 name', () => {
    expect(contentDisposition('plain.txt')).toBe(`attachment; filename="plain.txt"; filename*=UTF-8''plain.txt`);
    expect(contentDisposition(`it's (1) "q" *.txt`)).toBe(
      `attachment; filename="it's (1) _q_ *.txt"; filename*=UTF-8''it%27s%20%281%29%20%22q%22%20%2A.txt`,
    );
    expect(contentDisposition('日本.txt')).toBe(`attachment; filename="__.txt"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt`);
  });
});
