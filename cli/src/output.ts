import { BarDisplay, LineDisplay, type Display } from './progress.js';

export interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
}

/** Where results go: JSON for scripts, lines for people, nothing with --quiet (errors always). */
export class Output {
  readonly json: boolean;
  readonly quiet: boolean;

  constructor(options: GlobalOptions) {
    this.json = Boolean(options.json);
    this.quiet = Boolean(options.quiet) && !this.json;
  }

  /** Progress bars only when a person watches stderr on a terminal. */
  get interactive(): boolean {
    return !this.json && !this.quiet && Boolean(process.stderr.isTTY) && process.env.TERM !== 'dumb';
  }

  /** A line for a person (stdout); silent with --json and --quiet. */
  line(text = ''): void {
    if (!this.json && !this.quiet) process.stdout.write(`${text}\n`);
  }

  /** The command's result for scripts: one JSON document on stdout with --json. */
  result(value: unknown): void {
    if (this.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** A warning or notice for a person, on stderr so that it never mixes with results. */
  notice(text: string): void {
    if (!this.json && !this.quiet) process.stderr.write(`${text}\n`);
  }

  display(totalBytes: number, files: number, verb: string): Display {
    return this.interactive ? new BarDisplay(totalBytes, files, verb) : new LineDisplay(this.json ? 'json' : this.quiet ? 'quiet' : 'lines');
  }
}

/** Columns padded to their widest cell; the column at `flexible` is cut to fit the terminal. */
export function table(header: string[], rows: string[][], flexible: number, width = process.stdout.columns || 0): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  if (width > 0) {
    const others = widths.reduce((sum, w, i) => (i === flexible ? sum : sum + w + 2), 0);
    widths[flexible] = Math.max(12, Math.min(widths[flexible]!, width - others - 1));
  }
  return all
    .map((row) =>
      row
        .map((cell, i) => {
          const w = widths[i]!;
          const text = cell.length > w ? cell.slice(0, w - 1) + '…' : cell;
          return i === row.length - 1 ? text : text.padEnd(w);
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
