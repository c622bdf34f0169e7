import { createInterface } from 'node:readline/promises';
import { CliError, UsageError } from './errors.js';

/** Asks on the terminal, with echo (for an email address). */
export async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/** Asks on the terminal without echoing what is typed. Ctrl-C cancels, Backspace works. */
export function askHidden(question: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(question);
  input.setRawMode(true);
  input.setEncoding('utf8');
  input.resume();
  return new Promise((resolve, reject) => {
    const chars: string[] = [];
    const finish = () => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      if (chunk.startsWith('\u001b')) return; // arrow keys and the like: not part of a password
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(chars.join(''));
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new CliError('cancelled', 'cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') chars.pop();
        else if (ch >= ' ') chars.push(ch);
      }
    };
    input.on('data', onData);
  });
}

/** The first line of stdin when it is a pipe or a file: `echo "$PW" | dropline login ...`. */
export async function readFirstLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += chunk;
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/**
 * A secret that must stay out of `ps` and the shell history: from the environment variable `env`,
 * else asked for without echo on a terminal, else the first line of stdin.
 */
export async function readSecret(env: string, question: string): Promise<string> {
  const fromEnv = process.env[env];
  if (fromEnv) return fromEnv;
  const value = process.stdin.isTTY ? await askHidden(question) : await readFirstLine();
  if (!value) throw new UsageError(`No password given (type it when asked, pipe it on stdin, or set ${env}).`);
  return value;
}
