/** Whatever processing found (dimensions, duration, line counts…), shown without assuming a shape. */
export function ExtractedData({ data }: { data: Record<string, unknown> }) {
  const entries = Object.entries(data).filter(([key]) => key !== 'thumbnail')
  if (entries.length === 0) return <p className="muted">Nothing further was extracted from this file.</p>
  return (
    <dl className="details-list">
      {entries.map(([key, value]) => (
        <div key={key} className="details-list__row">
          <dt>{humanize(key)}</dt>
          <dd>
            <Value value={value} />
          </dd>
        </div>
      ))}
    </dl>
  )
}

function Value({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span className="muted">—</span>
  if (typeof value === 'boolean') return <>{value ? 'Yes' : 'No'}</>
  if (typeof value === 'number') return <>{value.toLocaleString()}</>
  if (typeof value === 'string') return <>{value}</>
  if (Array.isArray(value) && value.every((item) => typeof item !== 'object' || item === null)) {
    return <>{value.join(', ')}</>
  }
  if (typeof value === 'object' && !Array.isArray(value)) {
    return <ExtractedData data={value as Record<string, unknown>} />
  }
  return <pre className="mono details-list__json">{JSON.stringify(value, null, 2)}</pre>
}

/** "durationSeconds" / "bit_rate" → "Duration seconds" / "Bit rate". */
function humanize(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}
