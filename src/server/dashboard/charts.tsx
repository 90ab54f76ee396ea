/**
 * @module Inline SVG charts of an integration's calls over time: calls with their errors as stacked bars, and p95
 * latency as a line. Drawn on the server, so they need no script and nothing from elsewhere.
 */
import type { SeriesBucket } from '../../storage/health-store.js'
import { formatTime } from './controls.js'

const width = 900
const height = 190
// Room for the y axis's labels at the phone size's larger text (up to "99999 ms", or "12.5 s").
const left = 150
const right = 8
const top = 10
const bottom = 34
const plotWidth = width - left - right
const plotHeight = height - top - bottom

function Frame(props: { label: string; max: string; buckets: readonly SeriesBucket[]; children: unknown }) {
  const first = props.buckets[0]
  const last = props.buckets.at(-1)
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.label}>
      <line class="axis" x1={left} y1={top + plotHeight} x2={width - right} y2={top + plotHeight} />
      <line class="axis" x1={left} y1={top} x2={left} y2={top + plotHeight} />
      <text x={left - 6} y={top + 14} text-anchor="end">
        {props.max}
      </text>
      <text x={left - 6} y={top + plotHeight} text-anchor="end">
        0
      </text>
      {first === undefined ? null : (
        <text x={left} y={height - 6}>
          {formatTime(first.start)}
        </text>
      )}
      {last === undefined ? null : (
        <text x={width - right} y={height - 6} text-anchor="end">
          {formatTime(last.start)}
        </text>
      )}
      {props.children}
    </svg>
  )
}

/** Calls per bucket, the failed part of each bar in red. */
export function CallsChart(props: { buckets: readonly SeriesBucket[] }) {
  const { buckets } = props
  const max = Math.max(1, ...buckets.map((bucket) => bucket.calls))
  const slot = plotWidth / Math.max(1, buckets.length)
  const totalCalls = buckets.reduce((sum, bucket) => sum + bucket.calls, 0)
  const totalErrors = buckets.reduce((sum, bucket) => sum + bucket.errors, 0)
  const scale = (count: number) => (count / max) * plotHeight
  return (
    <Frame label={`${totalCalls} calls, ${totalErrors} failed`} max={String(max)} buckets={buckets}>
      {buckets.map((bucket, index) => {
        if (bucket.calls === 0) return null
        const x = left + index * slot + slot * 0.1
        const barWidth = Math.max(1, slot * 0.8)
        const callsHeight = scale(bucket.calls)
        const errorsHeight = scale(bucket.errors)
        const tip = `${formatTime(bucket.start)}: ${bucket.calls} calls, ${bucket.errors} failed`
        return (
          <g>
            <title>{tip}</title>
            <rect
              class="calls"
              x={x.toFixed(1)}
              y={(top + plotHeight - callsHeight).toFixed(1)}
              width={barWidth.toFixed(1)}
              height={callsHeight.toFixed(1)}
            />
            {bucket.errors === 0 ? null : (
              <rect
                class="errors"
                x={x.toFixed(1)}
                y={(top + plotHeight - errorsHeight).toFixed(1)}
                width={barWidth.toFixed(1)}
                height={errorsHeight.toFixed(1)}
              />
            )}
          </g>
        )
      })}
    </Frame>
  )
}

/** p95 latency per bucket that had calls, joined by a line. */
export function LatencyChart(props: { buckets: readonly SeriesBucket[] }) {
  const { buckets } = props
  const max = Math.max(1, ...buckets.map((bucket) => bucket.p95Ms ?? 0))
  const slot = plotWidth / Math.max(1, buckets.length)
  const points = buckets.flatMap((bucket, index) =>
    bucket.p95Ms === null
      ? []
      : [{ x: left + index * slot + slot / 2, y: top + plotHeight - (bucket.p95Ms / max) * plotHeight, bucket }],
  )
  return (
    <Frame label={`p95 latency, up to ${max} ms`} max={durationLabel(max)} buckets={buckets}>
      {points.length > 1 ? (
        <polyline class="latency" points={points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')} />
      ) : null}
      {points.map((point) => (
        <circle class="point" cx={point.x.toFixed(1)} cy={point.y.toFixed(1)} r="2.5">
          <title>{`${formatTime(point.bucket.start)}: p95 ${point.bucket.p95Ms} ms`}</title>
        </circle>
      ))}
    </Frame>
  )
}

/** A latency as the axis shows it: milliseconds up to 99 999, then seconds, so that it fits left of the axis. */
function durationLabel(ms: number): string {
  return ms < 100_000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}
