import cliProgress from 'cli-progress';
import { formatBytes, formatDuration } from './units.js';

/** Bytes per second over the last few seconds: steadier than since-start after a stall or a resume. */
export class Meter {
  private samples: { at: number; bytes: number }[] = [];

  constructor(private readonly windowMs = 5_000) {}

  add(bytes: number, at = Date.now()): void {
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[1]!.at > this.windowMs) this.samples.shift();
  }

  rate(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.at - first.at < 250) return NaN;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }
}

export interface Task {
  /** Bytes done so far (absolute: a resumed transfer starts at its offset). */
  update(bytes: number): void;
  /** A note under the file's name while it runs, e.g. "resuming at 42%". */
  note(text: string): void;
  succeed(line: string): void;
  fail(line: string): void;
}

/** Per-file and total progress: bars on a terminal, one line per file otherwise, nothing with --quiet/--json. */
export interface Display {
  task(label: string, total: number): Task;
  stop(): void;
}

const utf8 = () => /utf-?8/i.test(process.env.LC_ALL || process.env.LC_CTYPE || process.env.LANG || '');

export const symbols = () => (utf8() ? { ok: '✓', fail: '✗', arrow: '→' } : { ok: 'ok', fail: 'FAILED', arrow: '->' });

function clip(text: string, width: number): string {
  if (text.length <= width) return text.padEnd(width);
  return '…' + text.slice(text.length - width + 1); // keep the end: the file name
}

const rateText = (rate: number) => (Number.isFinite(rate) ? `${formatBytes(rate)}/s` : '');

/** One line per finished file on stdout, failures on stderr; with --json both are in the result instead. */
export class LineDisplay implements Display {
  constructor(private readonly mode: 'lines' | 'quiet' | 'json') {}

  task(): Task {
    return {
      update: () => {},
      note: () => {},
      succeed: (line) => {
        if (this.mode === 'lines') process.stdout.write(`${line}\n`);
      },
      fail: (line) => {
        if (this.mode !== 'json') process.stderr.write(`${line}\n`);
      },
    };
  }

  stop(): void {}
}

/** cli-progress bars on stderr: a total on top, one bar per running file below it. */
export class BarDisplay implements Display {
  private readonly bars: cliProgress.MultiBar;
  private readonly total: cliProgress.SingleBar;
  private readonly totalMeter = new Meter();
  private readonly done = new Map<Task, number>();
  private finished = 0;
  private readonly labelWidth: number;

  constructor(
    private readonly totalBytes: number,
    private readonly fileCount: number,
    private readonly verb: string,
  ) {
    const columns = process.stderr.columns || 80;
    this.labelWidth = Math.max(12, Math.min(32, columns - 70));
    const unicode = utf8();
    this.bars = new cliProgress.MultiBar({
      format: ' {label} {bar} {pct} {amount} {rate} {remaining}',
      barsize: Math.max(10, Math.min(40, columns - this.labelWidth - 62)),
      barCompleteChar: unicode ? '█' : '#',
      barIncompleteChar: unicode ? '░' : '-',
      hideCursor: true,
      autopadding: false,
      clearOnComplete: false,
      stopOnComplete: false,
      emptyOnZero: true,
      fps: 8,
      // Lines move up when a finished file's bar goes: redraw them all, not only those whose text changed.
      forceRedraw: true,
      stream: process.stderr,
    });
    this.total = this.bars.create(Math.max(totalBytes, 1), 0, this.payload(this.totalLabel(), 0, totalBytes, NaN));
  }

  private totalLabel(): string {
    return this.fileCount > 1 ? `${this.verb} ${this.finished}/${this.fileCount} files` : `${this.verb}`;
  }

  private payload(label: string, bytes: number, total: number, rate: number, note?: string) {
    const eta = bytes >= total && total > 0 ? null : Number.isFinite(rate) && rate > 0 ? formatDuration((total - bytes) / rate) : '--';
    const pct = total > 0 ? Math.floor((bytes / total) * 100) : 100;
    return {
      label: clip(label, this.labelWidth),
      pct: `${pct}%`.padStart(4),
      amount: `${formatBytes(bytes)}/${formatBytes(total)}`.padStart(19),
      rate: rateText(rate).padStart(12),
      remaining: note ?? (eta === null ? 'done' : `ETA ${eta}`).padEnd(9),
    };
  }

  private refreshTotal(): void {
    const bytes = [...this.done.values()].reduce((a, b) => a + b, 0);
    this.totalMeter.add(bytes);
    this.total.update(Math.min(bytes, Math.max(this.totalBytes, 1)), this.payload(this.totalLabel(), bytes, this.totalBytes, this.totalMeter.rate()));
  }

  task(label: string, total: number): Task {
    const meter = new Meter();
    const bar = this.bars.create(Math.max(total, 1), 0, this.payload(label, 0, total, NaN));
    let note: string | undefined;
    let bytes = 0;
    const task: Task = {
      update: (value) => {
        bytes = value;
        meter.add(value);
        if (value > 0) note = undefined;
        this.done.set(task, value);
        bar.update(Math.min(value, Math.max(total, 1)), this.payload(label, value, total, meter.rate(), note));
        this.refreshTotal();
      },
      note: (text) => {
        note = text;
        bar.update(bytes, this.payload(label, bytes, total, meter.rate(), note));
      },
      succeed: (line) => {
        // Results belong on stdout; only when it is this same terminal do they go above the bars.
        if (process.stdout.isTTY) this.bars.log(`${line}\n`);
        else process.stdout.write(`${line}\n`);
        this.finish(task, bar, total);
      },
      fail: (line) => {
        this.bars.log(`${line}\n`);
        // What is left of it will not be sent: count it as done to keep the total's ETA honest.
        this.finish(task, bar, total);
      },
    };
    return task;
  }

  /** Removing the bar redraws at once, with the lines logged just before above the remaining bars. */
  private finish(task: Task, bar: cliProgress.SingleBar, total: number): void {
    this.finished++;
    this.done.set(task, total);
    this.refreshTotal();
    this.bars.remove(bar);
  }

  stop(): void {
    this.refreshTotal();
    this.bars.update(); // stop() alone would drop lines logged since the last redraw
    this.bars.stop();
  }
}
