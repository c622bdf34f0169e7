import type { Usage } from '@dropline/contract'
import { formatBytes } from '../format/formatBytes'

/** Storage used against the quota, as a bar when there is a quota and as plain text otherwise. */
export function UsageBar({ usage, label }: { usage: Usage; label: string }) {
  const used = usage.bytes + usage.reservedBytes
  const text = `${formatBytes(used)}${usage.quotaBytes === null ? '' : ` of ${formatBytes(usage.quotaBytes)}`}`
  if (usage.quotaBytes === null || usage.quotaBytes === 0) {
    return <span className="usage usage--plain">{text}</span>
  }
  const percent = Math.min(100, Math.round((used / usage.quotaBytes) * 100))
  return (
    <span className="usage">
      <meter className="usage__bar" min={0} max={usage.quotaBytes} value={used} aria-label={label} high={usage.quotaBytes * 0.9}>
        {percent}%
      </meter>
      <span className="usage__text">{text}</span>
    </span>
  )
}
