import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built bin, as `npx @dropline/cli` and the installed `dropline` run it (`pnpm test` builds first). */
export const BIN = fileURLToPath(new URL('../../bin/dropline.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  process: ChildProcess;
  output(): { stdout: string; stderr: string };
  done: Promise<CliResult>;
}

/** One person at one machine: their own HOME and XDG_CONFIG_HOME, nothing inherited but PATH. */
export class CliUser {
  private constructor(readonly home: string) {}

  static async create(): Promise<CliUser> {
    return new CliUser(await mkdtemp(path.join(tmpdir(), 'dropline-cli-')));
  }

  get configHome(): string {
    return path.join(this.home, 'config');
  }

  get configDir(): string {
    return path.join(this.configHome, 'dropline');
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return { PATH: process.env.PATH ?? '', HOME: this.home, XDG_CONFIG_HOME: this.configHome, LANG: 'C.UTF-8', ...extra };
  }

  spawn(args: string[], options: { env?: Record<string, string>; input?: string; cwd?: string } = {}): RunningCli {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? this.home,
      env: this.env(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.stdin!.on('error', () => {});
    child.stdin!.end(options.input ?? '');
    const done = new Promise<CliResult>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
    return { process: child, output: () => ({ stdout, stderr }), done };
  }

  run(args: string[], options: { env?: Record<string, string>; input?: string; cwd?: string } = {}): Promise<CliResult> {
    return this.spawn(args, options).done;
  }

  /** `dropline login` with the password from DROPLINE_PASSWORD; throws unless it worked. */
  async login(url: string, email: string, password: string): Promise<void> {
    const result = await this.run(['login', url, '--email', email], { env: { DROPLINE_PASSWORD: password } });
    if (result.code !== 0) throw new Error(`login failed (${result.code}): ${result.stderr}`);
  }

  cleanup(): Promise<void> {
    return rm(this.home, { recursive: true, force: true });
  }
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Waits for `condition` to hold, checking every `every` ms; fails with `what` after `ms`. With
 * `running`, it fails at once, with the command's output, if that command ends first: a command that
 * gave up early would otherwise only show up as a timeout.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  { ms = 60_000, every = 20, running }: { ms?: number; every?: number; running?: RunningCli } = {},
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    const proc = running?.process;
    if (proc && (proc.exitCode !== null || proc.signalCode !== null)) {
      const { stdout, stderr } = running.output();
      throw new Error(`the command ended (${proc.exitCode ?? proc.signalCode}) before ${what}:\n${stderr}${stdout}`);
    }
    if (Date.now() > deadline) {
      const output = running ? `\n${running.output().stderr}` : '';
      throw new Error(`timed out waiting for ${what}${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}
