/** Prints the webhooks benchmark's figures as the Markdown tables of BENCHMARKS.md. */
import type { WebhooksFigures } from './webhooks.js'

const int = (value: number) => Math.round(value).toLocaleString('en-US')
const ms = (value: number) => `${value.toFixed(1)} ms`
const met = (ok: boolean) => (ok ? 'met' : '**not met**')

export function printWebhooksFigures(figures: WebhooksFigures): void {
  const { inbound, open, outbound } = figures
  const ratio = (rps: number) => (rps / inbound.baseline.rps).toFixed(2)
  console.log(
    `\nWebhooks in: signed Standard Webhooks POSTs, a unique webhook-id each, ${figures.concurrency} in flight, closed loop (one run each)\n`,
  )
  console.log('| case | deliveries/s | vs baseline | p50 | p99 | errors |')
  console.log('|---|---|---|---|---|---|')
  const row = (name: string, run: WebhooksFigures['inbound']['baseline']) =>
    console.log(
      `| ${name} | ${int(run.rps)} | ${ratio(run.rps)} | ${ms(run.p50Ms)} | ${ms(run.p99Ms)} | ${run.errors} |`,
    )
  row('bare node:http + HMAC + one INSERT, PostgreSQL (baseline)', inbound.baseline)
  row('junction start, PostgreSQL', inbound.postgres)
  row('junction start, PGlite', inbound.pglite)
  console.log('\nOpen loops, latency from when each delivery was due\n')
  console.log('| rate | case | p50 | p99 | errors |')
  console.log('|---|---|---|---|---|')
  for (const run of open) {
    const rate = `${int(run.rate)}/s (${run.label})`
    console.log(
      `| ${rate} | baseline | ${ms(run.baseline.p50Ms)} | ${ms(run.baseline.p99Ms)} | ${run.baseline.errors} |`,
    )
    console.log(
      `| ${rate} | junction start, PostgreSQL | ${ms(run.postgres.p50Ms)} | ${ms(run.postgres.p99Ms)} | ${run.postgres.errors} |`,
    )
  }
  console.log(
    `\nEvents out: ${int(outbound.events)} events to a receiver answering 204 at once, ${outbound.concurrency} in flight, first to last delivery\n`,
  )
  console.log('| case | deliveries/s | vs baseline | first to last | errors |')
  console.log('|---|---|---|---|---|')
  const outRow = (name: string, run: WebhooksFigures['outbound']['baseline']) =>
    console.log(
      `| ${name} | ${int(run.perSecond)} | ${(run.perSecond / outbound.baseline.perSecond).toFixed(2)} | ${int(run.ms)} ms | ${run.errors} |`,
    )
  outRow('bare loop of signed undici POSTs (baseline)', outbound.baseline)
  outRow('junction start, PostgreSQL (delivery worker)', outbound.postgres)
  console.log(
    `\n(${int(outbound.events)} pending events recorded in ${int(outbound.insertMs)} ms before the hub started)`,
  )
  console.log('\n| goal | figure | |')
  console.log('|---|---|---|')
  const inRatio = inbound.postgres.rps / inbound.baseline.rps
  console.log(`| inbound ≥ 0.6 of the baseline, PostgreSQL | ${inRatio.toFixed(2)} | ${met(inRatio >= 0.6)} |`)
  console.log(
    `| inbound ≥ 1,000/s on PostgreSQL | ${int(inbound.postgres.rps)}/s | ${met(inbound.postgres.rps >= 1000)} |`,
  )
  for (const run of open) {
    console.log(
      `| p99 ≤ 20 ms at ${int(run.rate)}/s (${run.label}), open loop | ${ms(run.postgres.p99Ms)} | ${met(run.postgres.p99Ms <= 20)} |`,
    )
  }
  console.log(
    `| outbound ≥ 1,000/s on PostgreSQL | ${int(outbound.postgres.perSecond)}/s | ${met(outbound.postgres.perSecond >= 1000)} |`,
  )
  console.log(
    `\n1-minute load average: ${figures.loadAverage.before.toFixed(2)} before, ${figures.loadAverage.after.toFixed(2)} after`,
  )
}
