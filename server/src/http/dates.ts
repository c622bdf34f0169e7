import { badRequest } from './errors.js';

const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An ISO 8601 date or date-time (UTC unless it names an offset). `to` includes the moment it names,
 * or the whole day for a bare date, so `from=2024-01-01&to=2024-01-31` covers all of January.
 */
export function parseDate(name: string, text: string): { start: string; endExclusive: string } {
  const match = ISO_DATE.exec(text);
  const hasZone = match?.[5] !== undefined;
  const ms = match ? Date.parse(match[2] !== undefined && !hasZone ? `${text}Z` : text) : Number.NaN;
  const date = new Date(ms);
  // Date.parse rolls 2024-02-30 over to March; a date that doesn't come back as written is refused.
  const sameDay = Number.isFinite(ms) && (hasZone || date.toISOString().startsWith(match![1]!));
  if (!match || !sameDay || date.getUTCFullYear() < 1 || date.getUTCFullYear() > 9999) {
    throw badRequest(`${name} must be an ISO 8601 date or date-time, such as 2024-01-31 or 2024-01-31T12:00:00Z.`, 'invalid_query');
  }
  const end = match[2] === undefined ? ms + 86_400_000 : ms + 1;
  return { start: date.toISOString(), endExclusive: new Date(end).toISOString() };
}
