/**
 * The webhooks benchmark's load generators, each run as a process of its own
 * (`node --import tsx bench/webhooks-load.ts '<json>'`), printing one JSON line of figures:
 * - `inbound`: Standard Webhooks deliveries (`POST`, a small JSON body, a unique `webhook-id` each, signed with
 *   `secret`) through one undici Pool, closed-loop (`concurrency` in flight) or open-loop (`rate` per second, each
 *   latency counted from when the request was due), as `proxy-load.ts` does for GETs;
 * - `outbound`: the baseline of the events' delivery: `count` signed POSTs shaped as the hub's events
 *   (`{id, type, createdAt, data}`), `concurrency` at a time, to the receiver.
 */

import { Webhook } from 'standardwebhooks'
import { Pool } from 'undici'
import type { LoadFigures } from './proxy-load.js'

export interface InboundSpec {
  kind: 'inbound'
  origin: string
  path: string
  secret: string
  /** Prefix of the `webhook-id`s: unique per run, so that no delivery is a duplicate of another run's. */
  idPrefix: string
  mode: 'closed' | 'open'
  concurrency: number
  rate: number
  warmupMs: number
  durationMs: number
}

export interface OutboundSpec {
  kind: 'outbound'
  origin: string
  path: string
  secret: string
  count: number
  concurrency: number
}

export interface OutboundFigures {
  sent: number
  errors: number
  ms: number
}

const spec = JSON.parse(process.argv[2] ?? '{}') as InboundSpec | OutboundSpec

function percentile(sorted: Float64Array, fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0
}

async function inbound(spec: InboundSpec): Promise<LoadFigures> {
  const webhook = new Webhook(spec.secret)
  const pool = new Pool(spec.origin, {
    connections: spec.mode === 'closed' ? spec.concurrency : 512,
    keepAliveTimeout: 60_000,
  })
  const latencies: number[] = []
  let errors = 0
  let sequence = 0
  const begin = performance.now()
  const measureFrom = begin + spec.warmupMs
  const measureTo = measureFrom + spec.durationMs

  /** One signed delivery; counted when it was due inside the measured window. */
  async function call(dueAt: number): Promise<void> {
    const index = sequence++
    const id = `msg_${spec.idPrefix}_${index}`
    const body = JSON.stringify({ type: 'thing.happened', data: { index, name: 'benchmark', amount: 1234 } })
    const now = new Date()
    let ok = false
    try {
      const response = await pool.request({
        path: spec.path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': webhook.sign(id, now, body),
        },
        body,
      })
      await response.body.dump({ limit: Number.POSITIVE_INFINITY })
      ok = response.statusCode === 200
    } catch {
      ok = false
    }
    if (dueAt < measureFrom || dueAt >= measureTo) return
    latencies.push(performance.now() - dueAt)
    if (!ok) errors++
  }

  if (spec.mode === 'closed') {
    await Promise.all(
      Array.from({ length: spec.concurrency }, async () => {
        while (performance.now() < measureTo) await call(performance.now())
      }),
    )
  } else {
    const intervalMs = 1000 / spec.rate
    const inFlight = new Set<Promise<void>>()
    let sent = 0
    while (performance.now() < measureTo) {
      for (
        let due = begin + sent * intervalMs;
        due <= performance.now() && due < measureTo;
        due = begin + sent * intervalMs
      ) {
        const running = call(due).finally(() => inFlight.delete(running))
        inFlight.add(running)
        sent++
      }
      await new Promise((resolve) => setTimeout(resolve, 1))
    }
    await Promise.all(inFlight)
  }
  await pool.close()
  const sorted = Float64Array.from(latencies).sort()
  return {
    requests: latencies.length,
    errors,
    rps: (latencies.length / spec.durationMs) * 1000,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
  }
}

async function outbound(spec: OutboundSpec): Promise<OutboundFigures> {
  const webhook = new Webhook(spec.secret)
  const pool = new Pool(spec.origin, { connections: spec.concurrency, keepAliveTimeout: 60_000 })
  let next = 0
  let errors = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      for (let index = next++; index < spec.count; index = next++) {
        const id = `evt_baseline_${index}`
        const now = new Date()
        const body = JSON.stringify({
          id,
          type: 'connection.created',
          createdAt: now.toISOString(),
          data: { userId: `u_${index}` },
        })
        try {
          const response = await pool.request({
            path: spec.path,
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'webhook-id': id,
              'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
              'webhook-signature': webhook.sign(id, now, body),
            },
            body,
          })
          await response.body.dump()
          if (response.statusCode < 200 || response.statusCode >= 300) errors++
        } catch {
          errors++
        }
      }
    }),
  )
  const ms = performance.now() - started
  await pool.close()
  return { sent: spec.count, errors, ms }
}

const figures = spec.kind === 'inbound' ? await inbound(spec) : await outbound(spec)
process.stdout.write(`${JSON.stringify(figures)}\n`)
