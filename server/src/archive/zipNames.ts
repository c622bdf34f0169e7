/** What a name becomes when nothing of it is left after cleaning. */
const FALLBACK_NAME = 'file';

/**
 * A name an unzip tool extracts inside its target folder and nowhere else: backslashes count as
 * separators (Windows tools treat them so), and empty, `.` and `..` segments are dropped, so there
 * is no absolute path and no way up; a leading drive (`C:`) goes too. Control characters become `_`.
 */
export function safeEntryName(name: string): string {
  const segments = name
    .replace(/^[A-Za-z]:/, '')
    .split(/[\\/]/)
    .map((segment) => segment.replace(/[\u0000-\u001f\u007f]/g, '_'))
    .filter((segment) => segment !== '' && segment !== '.' && segment !== '..');
  return segments.length === 0 ? FALLBACK_NAME : segments.join('/');
}

/** `a.txt` -> `a (n).txt`; a name without an extension (or a dotfile like `.env`) gets the number at its end. */
function numbered(name: string, n: number): string {
  const slash = name.lastIndexOf('/');
  const dot = name.lastIndexOf('.');
  if (dot <= slash + 1) return `${name} (${n})`;
  return `${name.slice(0, dot)} (${n})${name.slice(dot)}`;
}

/**
 * Every name made safe and unique, in order: a repeat gets the first free `name (n).ext`. Names
 * are compared ignoring case, as Windows and macOS extract them: `A.txt` and `a.txt` would overwrite.
 */
export function uniqueEntryNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  // Where the search for a free number resumes, per name, so many repeats of one name stay linear.
  const nextNumber = new Map<string, number>();
  return names.map((raw) => {
    const name = safeEntryName(raw);
    const key = name.toLowerCase();
    let unique = name;
    let n = nextNumber.get(key) ?? 1;
    while (taken.has(unique.toLowerCase())) unique = numbered(name, n++);
    nextNumber.set(key, n);
    taken.add(unique.toLowerCase());
    return unique;
  });
}
