import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * ZIPs are checked with the tools people open them with: Info-ZIP's `unzip`, `7z` (Debian's
 * p7zip-full) and Python's zipfile. Suites skip with a notice without them (fail under REQUIRE_SERVICES=1).
 */
const installed = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
export const ZIP_TOOLS = installed('unzip', ['-v']) && installed('7z', ['i']) && installed('python3', ['-c', 'import zipfile, zlib']);
if (!ZIP_TOOLS && process.env.REQUIRE_SERVICES === '1')
  throw new Error('unzip, 7z and python3 are required (REQUIRE_SERVICES=1) but are not all installed');
if (!ZIP_TOOLS) console.warn('\n  NOTICE: unzip, 7z or python3 is missing; the ZIP checks with real tools are SKIPPED on this machine.\n');

const MAX_BUFFER = 256 * 1024 * 1024;

/** `unzip -t`: every entry's CRC checked; throws with its output when it finds a fault. */
export async function unzipTest(path: string): Promise<string> {
  const { stdout } = await run('unzip', ['-t', path], { maxBuffer: MAX_BUFFER });
  if (!stdout.includes('No errors detected')) throw new Error(`unzip -t found faults:\n${stdout}`);
  return stdout;
}

/** `7z t`: throws with its output unless it reports "Everything is Ok" (a warning fails too). */
export async function sevenZipTest(path: string): Promise<string> {
  const { stdout } = await run('7z', ['t', path], { maxBuffer: MAX_BUFFER });
  if (!stdout.includes('Everything is Ok') || /warning/i.test(stdout)) throw new Error(`7z t found faults:\n${stdout}`);
  return stdout;
}

export interface PythonEntry {
  name: string;
  size: number;
  crc32: number;
  /** zlib.crc32 of the bytes Python read back, which zipfile has also checked against the header. */
  readCrc32: number;
  compressType: number;
  utf8: boolean;
}

/** Python's zipfile: each entry as it sees it, every one read back in full (which checks its CRC). */
export async function pythonEntries(path: string): Promise<PythonEntry[]> {
  const script = `
import json, sys, zipfile, zlib
out = []
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        crc = 0
        with z.open(info) as f:
            while True:
                block = f.read(1 << 20)
                if not block:
                    break
                crc = zlib.crc32(block, crc)
        out.append({"name": info.filename, "size": info.file_size, "crc32": info.CRC, "readCrc32": crc,
                    "compressType": info.compress_type, "utf8": bool(info.flag_bits & 0x800)})
json.dump(out, sys.stdout)
`;
  const { stdout } = await run('python3', ['-c', script, path], { maxBuffer: MAX_BUFFER });
  return JSON.parse(stdout) as PythonEntry[];
}
