import { UsageError } from './errors.js';

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 2 ** 10,
  kb: 1e3,
  kib: 2 ** 10,
  m: 2 ** 20,
  mb: 1e6,
  mib: 2 ** 20,
  g: 2 ** 30,
  gb: 1e9,
  gib: 2 ** 30,
  t: 2 ** 40,
  tb: 1e12,
  tib: 2 ** 40,
};

/** `--chunk-size 8MiB`, `64m`, `1048576`: bytes; a usage error for anything else. */
export function parseSizeOption(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  const bytes = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new UsageError(`"${text}" is not a size (try 8MiB, 64MB or a number of bytes).`);
  return bytes;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 };

/**
 * `--expires 7d`, `12h`, `90m`, `3600` (seconds) or an ISO date/time: the moment it ends.
 * Past moments are a usage error: nobody wants a link that is dead on arrival.
 */
export function parseExpiry(text: string, now = Date.now()): Date {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/i.exec(text);
  const at = match ? now + Number(match[1]) * DURATION_UNITS[(match[2] || 's').toLowerCase()]! * 1000 : Date.parse(text);
  if (!Number.isFinite(at)) throw new UsageError(`"${text}" is not a duration or a date (try 7d, 12h, 90m or 2030-01-31T12:00:00Z).`);
  if (at <= now) throw new UsageError(`--expires ${text} is not in the future.`);
  return new Date(at);
}

/** A positive whole number option such as `--parallel 4`. */
export function parseCount(name: string, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max)
      throw new UsageError(`${name} takes a whole number from 1 to ${max}, not "${text}".`);
    return n;
  };
}

/** 1536 -> "1.5 KiB": binary units, as disk images are sized. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '?';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}

/** Seconds -> "1h02m", "3m05s", "42s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
