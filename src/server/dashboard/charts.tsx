/**
 * @module Inline SVG charts of an integration's calls over time: calls with their errors as stacked bars, and p95
 * latency as a line. Drawn on the server, so they need no script and nothing from elsewhere. Each axis says its unit;
 * hovering a bucket shows its values (an SVG `<title>`, which browsers show as a tooltip without script); a period
 * with no call says so instead of drawing an empty 0–1 axis.
 */
import type { SeriesBucket } from '../../storage/health-store.js'

const width = 900
const height = 260
// Room for the y axis's tick labels at the phone size's larger text (up to "99999 ms", or "12.5 s").
const left = 150
const right = 8
// Room above for the y axis's title, and below for the time ticks and the x axis's title.
const top = 48
const bottom = 76
const plotWidth = width - left - right
const plotHeight = height - top - bottom

/** Shown instead of a chart when the period had no call. */
export const emptyChartText = 'No calls in this period'

export function EmptyChart() {
  return <p class="chart-empty">{emptyChartText}</p>
}

/** `17:05` in UTC, as every time the dashboard shows (the page says so once); the axis's title says the dates. */
const clock = (time: Date) => time.toISOString().slice(11, 16)
const dayAndClock = (time: Date) => `${time.toISOString().slice(0, 10)} ${clock(time)}`

/** What one bucket spans, for the y axis's title and the tooltips: "minute" or "hour". */
function bucketUnit(buckets: readonly SeriesBucket[]): string {
  const [first, second] = buckets
  if (first === undefined || second === undefined) return 'period'
  const ms = second.start.getTime() - first.start.getTime()
  return ms === 60_000 ? 'minute' : ms === 3_600_000 ? 'hour' : `${Math.round(ms / 60_000)} minutes`
}

/** The smallest of 1, 2, 5, 10, 20, 50… at or above `value`: an axis top whose half is a round number too. */
export function niceCeiling(value: number): number {
  if (value <= 1) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  const step = [1, 2, 5, 10].find((factor) => factor * power >= value) ?? 10
  return step * power
}

function Frame(props: {
  label: string
  yTitle: string
  /** Tick labels at the top of the axis and half way up (absent when half is not a round number). */
  maxLabel: string
  halfLabel: string | undefined
  buckets: readonly SeriesBucket[]
  children: unknown
}) {
  const first = props.buckets[0]
  const last = props.buckets.at(-1)
  const middle = props.buckets[Math.floor(props.buckets.length / 2)]
  const baseline = top + plotHeight
  const slot = plotWidth / Math.max(1, props.buckets.length)
  const tickY = (fraction: number) => top + plotHeight * (1 - fraction)
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={props.label}>
      <text class="axis-title" x="8" y="30">
        {props.yTitle}
      </text>
      <line class="grid" x1={left} y1={top} x2={width - right} y2={top} />
      {props.halfLabel === undefined ? null : (
        <>
          <line class="grid" x1={left} y1={tickY(0.5)} x2={width - right} y2={tickY(0.5)} />
          <text x={left - 8} y={tickY(0.5) + 5} text-anchor="end">
            {props.halfLabel}
          </text>
        </>
      )}
      <line class="axis" x1={left} y1={baseline} x2={width - right} y2={baseline} />
      <line class="axis" x1={left} y1={top} x2={left} y2={baseline} />
      <text x={left - 8} y={top + 10} text-anchor="end">
        {props.maxLabel}
      </text>
      <text x={left - 8} y={baseline} text-anchor="end">
        0
      </text>
      {first === undefined ? null : (
        <text x={left} y={baseline + 30}>
          {clock(first.start)}
        </text>
      )}
      {middle === undefined || props.buckets.length < 3 ? null : (
        <text x={left + Math.floor(props.buckets.length / 2) * slot + slot / 2} y={baseline + 30} text-anchor="middle">
          {clock(middle.start)}
        </text>
      )}
      {last === undefined ? null : (
        <text x={width - right} y={baseline + 30} text-anchor="end">
          {clock(last.start)}
        </text>
      )}
      {first === undefined || last === undefined ? null : (
        <text class="axis-title" x={left + plotWidth / 2} y={height - 8} text-anchor="middle">
          {`${dayAndClock(first.start)} to ${dayAndClock(last.start)}`}
        </text>
      )}
      {props.children}
    </svg>
  )
}

/** A bucket's whole column, invisible, so that hovering anywhere above a time shows its values. */
function HoverColumn(props: { index: number; slot: number }) {
  return (
    <rect
      class="hover"
      x={(left + props.index * props.slot).toFixed(1)}
      y={top}
      width={props.slot.toFixed(1)}
      height={plotHeight}
    />
  )
}

/** Calls per bucket, the failed part of each bar in red. */
export function CallsChart(props: { buckets: readonly SeriesBucket[] }) {
  const { buckets } = props
  const totalCalls = buckets.reduce((sum, bucket) => sum + bucket.calls, 0)
  if (totalCalls === 0) return <EmptyChart />
  const totalErrors = buckets.reduce((sum, bucket) => sum + bucket.errors, 0)
  const max = niceCeiling(Math.max(...buckets.map((bucket) => bucket.calls)))
  const slot = plotWidth / Math.max(1, buckets.length)
  const scale = (count: number) => (count / max) * plotHeight
  const unit = bucketUnit(buckets)
  return (
    <Frame
      label={`${totalCalls} calls, ${totalErrors} failed`}
      yTitle={`Calls per ${unit}`}
      maxLabel={String(max)}
      halfLabel={max % 2 === 0 ? String(max / 2) : undefined}
      buckets={buckets}
    >
      {buckets.map((bucket, index) => {
        const x = left + index * slot + slot * 0.1
        const barWidth = Math.max(1, slot * 0.8)
        const callsHeight = scale(bucket.calls)
        const errorsHeight = scale(bucket.errors)
        return (
          <g>
            <title>{`${dayAndClock(bucket.start)} (${unit}): ${bucket.calls} calls, ${bucket.errors} failed`}</title>
            {bucket.calls === 0 ? null : (
              <rect
                class="calls"
                x={x.toFixed(1)}
                y={(top + plotHeight - callsHeight).toFixed(1)}
                width={barWidth.toFixed(1)}
                height={callsHeight.toFixed(1)}
              />
            )}
            {bucket.errors === 0 ? null : (
              <rect
                class="errors"
                x={x.toFixed(1)}
                y={(top + plotHeight - errorsHeight).toFixed(1)}
                width={barWidth.toFixed(1)}
                height={errorsHeight.toFixed(1)}
              />
            )}
            <HoverColumn index={index} slot={slot} />
          </g>
        )
      })}
    </Frame>
  )
}

/** p95 latency per bucket that had calls, joined by a line. */
export function LatencyChart(props: { buckets: readonly SeriesBucket[] }) {
  const { buckets } = props
  const slot = plotWidth / Math.max(1, buckets.length)
  const measured = buckets.flatMap((bucket) => (bucket.p95Ms === null ? [] : [bucket.p95Ms]))
  if (measured.length === 0) return <EmptyChart />
  const max = niceCeiling(Math.max(...measured))
  const points = buckets.flatMap((bucket, index) =>
    bucket.p95Ms === null
      ? []
      : [{ x: left + index * slot + slot / 2, y: top + plotHeight - (bucket.p95Ms / max) * plotHeight, bucket }],
  )
  const unit = bucketUnit(buckets)
  return (
    <Frame
      label={`p95 latency, up to ${Math.max(...measured)} ms`}
      yTitle={`p95 latency per ${unit} (ms)`}
      maxLabel={durationLabel(max)}
      halfLabel={max % 2 === 0 ? durationLabel(max / 2) : undefined}
      buckets={buckets}
    >
      {points.length > 1 ? (
        <polyline class="latency" points={points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')} />
      ) : null}
      {points.map((point) => (
        <circle class="point" cx={point.x.toFixed(1)} cy={point.y.toFixed(1)} r="4" />
      ))}
      {buckets.map((bucket, index) => (
        <g>
          <title>
            {`${dayAndClock(bucket.start)} (${unit}): ${bucket.p95Ms === null ? 'no calls' : `p95 ${bucket.p95Ms} ms`}`}
          </title>
          <HoverColumn index={index} slot={slot} />
        </g>
      ))}
    </Frame>
  )
}

/** A latency as the axis shows it: milliseconds up to 99 999, then seconds, so that it fits left of the axis. */
function durationLabel(ms: number): string {
  return ms < 100_000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`
}
