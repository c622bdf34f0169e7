/** The one way timestamps are written, so text comparison orders them in every database. */
export const now = (): string => new Date().toISOString();
export const after = (ms: number, from = Date.now()): string => new Date(from + ms).toISOString();
