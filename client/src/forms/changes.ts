/** `value` when it differs from `current`; undefined (leave it) when it does not. */
export function changedFrom<T>(value: T, current: T): T | undefined {
  return value === current ? undefined : value
}

/** The fields that say something: those left undefined (unchanged) are dropped, so an empty result means nothing to send. */
export function onlyChanged<T extends object>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> }
}
