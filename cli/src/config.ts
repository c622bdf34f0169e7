import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import type { User } from '@dropline/contract';

/** `$XDG_CONFIG_HOME/dropline`, else `~/.config/dropline` (a relative XDG_CONFIG_HOME is ignored, as the spec says). */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(homedir(), '.config'), 'dropline');
}

/** The directory, created for the user alone (0700), also when it existed with looser permissions. */
export async function ensureConfigDir(dir = configDir()): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (((await stat(dir)).mode & 0o077) !== 0) await chmod(dir, 0o700);
  return dir;
}

export interface Credentials {
  /** The server's base URL as the user gave it, without a trailing slash. */
  url: string;
  user: User;
  refreshToken: string;
  /** Kept so that each command does not spend a refresh; refreshed shortly before it expires. */
  accessToken: string;
}

const CREDENTIALS = 'credentials.json';

export async function readCredentials(dir = configDir()): Promise<Credentials | null> {
  let text: string;
  try {
    text = await readFile(path.join(dir, CREDENTIALS), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Credentials>;
    if (typeof parsed.url === 'string' && typeof parsed.refreshToken === 'string' && typeof parsed.accessToken === 'string' && parsed.user) {
      return parsed as Credentials;
    }
  } catch {
    // A damaged file is the same as none: the user logs in again.
  }
  return null;
}

/** Written to a temporary file created 0600 and renamed over the old one, so a crash never leaves half a file. */
export async function writeCredentials(credentials: Credentials, dir = configDir()): Promise<void> {
  await ensureConfigDir(dir);
  await writeFileAtomic(path.join(dir, CREDENTIALS), JSON.stringify(credentials, null, 2) + '\n');
}

export async function deleteCredentials(dir = configDir()): Promise<void> {
  await rm(path.join(dir, CREDENTIALS), { force: true });
}

export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
}

const LOCK_STALE_MS = 30_000;

/**
 * Runs `work` while holding `<dir>/<name>.lock`, so that two dropline processes never spend the
 * same refresh token (the server would take that for a stolen token and end the login session).
 * A lock left by a killed process is taken over once its process is gone or it is 30 s old.
 */
export async function withLock<T>(name: string, work: () => Promise<T>, dir = configDir()): Promise<T> {
  await ensureConfigDir(dir);
  const lock = path.join(dir, `${name}.lock`);
  const deadline = Date.now() + LOCK_STALE_MS + 5_000;
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if ((await lockIsStale(lock)) || Date.now() > deadline) {
        await rm(lock, { force: true });
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
  }
}

async function lockIsStale(lock: string): Promise<boolean> {
  try {
    const [text, info] = await Promise.all([readFile(lock, 'utf8'), stat(lock)]);
    if (Date.now() - info.mtimeMs > LOCK_STALE_MS) return true;
    const pid = Number(text);
    if (!Number.isInteger(pid) || pid <= 0) return false; // still being written
    try {
      process.kill(pid, 0);
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ESRCH';
    }
  } catch {
    return false; // vanished between our tries: the next open will tell
  }
}
