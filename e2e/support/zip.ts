import { execFileSync } from 'node:child_process';

/**
 * Reads a ZIP with real tools: `unzip -t` tests every entry's CRC, and Python's zipfile lists the
 * entries with their bytes' SHA-256, so a test can compare them with what was uploaded.
 */
export function readZip(path: string): { test: string; entries: Record<string, { size: number; sha256: string }> } {
  const test = execFileSync('unzip', ['-t', path], { encoding: 'utf8' });
  const script = [
    'import hashlib, json, sys, zipfile',
    'with zipfile.ZipFile(sys.argv[1]) as z:',
    '    print(json.dumps({i.filename: {"size": i.file_size, "sha256": hashlib.sha256(z.read(i)).hexdigest()} for i in z.infolist()}))',
  ].join('\n');
  const entries = JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' })) as Record<string, { size: number; sha256: string }>;
  return { test, entries };
}
