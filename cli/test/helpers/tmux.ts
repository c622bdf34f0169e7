import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * A real terminal: a tmux server of its own (its own socket), one window of a fixed size running
 * a command. `screen()` is what a person would see (capture-pane), not what the program wrote.
 */
export class Terminal {
  private constructor(private readonly socket: string) {}

  static async available(): Promise<boolean> {
    return exec('tmux', ['-V']).then(
      () => true,
      () => false,
    );
  }

  static async start(command: string[], env: Record<string, string>, size = { columns: 120, rows: 30 }): Promise<Terminal> {
    const socket = `dropline-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const terminal = new Terminal(socket);
    const envArgs = Object.entries({ ...env, TERM: 'xterm-256color' }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    // The shell stays after the command so the last screen can be read; EXIT:<code> marks the end.
    // Its INT trap keeps it alive through a Ctrl-C meant for the command (which gets the default action).
    const script = `trap 'true' INT; ${command.map(quote).join(' ')}; echo "EXIT:$?"; sleep 3600`;
    await exec('tmux', [
      '-L',
      socket,
      '-f',
      '/dev/null',
      '-u',
      'new-session',
      '-d',
      '-s',
      'main',
      '-x',
      String(size.columns),
      '-y',
      String(size.rows),
      ...envArgs,
      'sh',
      '-c',
      script,
    ]);
    return terminal;
  }

  async screen(): Promise<string> {
    const { stdout } = await exec('tmux', ['-L', this.socket, 'capture-pane', '-p', '-t', 'main']);
    return stdout;
  }

  async keys(...keys: string[]): Promise<void> {
    await exec('tmux', ['-L', this.socket, 'send-keys', '-t', 'main', ...keys]);
  }

  /** Waits until the screen satisfies `test`, checking ten times a second; returns that screen. */
  async waitFor(test: (screen: string) => boolean, what: string, ms = 60_000): Promise<string> {
    const deadline = Date.now() + ms;
    let last = '';
    while (Date.now() < deadline) {
      last = await this.screen();
      if (test(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`timed out waiting for ${what}; the screen was:\n${last}`);
  }

  async close(): Promise<void> {
    await exec('tmux', ['-L', this.socket, 'kill-server']).catch(() => {});
  }
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
