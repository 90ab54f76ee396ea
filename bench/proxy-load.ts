/**
 * The proxy benchmark's load generator, run as a process of its own (`node --import tsx bench/proxy-load.ts '<json>'`):
 * GETs through one undici Pool, either closed-loop (a fixed number in flight, as fast as answers come) or open-loop
 * (a fixed rate, each request sent when due whatever is still in flight, its latency counted from when it was due so
 * that a slow answer cannot hide the requests it delayed). Prints one JSON line of figures.
 */
import { Pool } from 'undici'

export interface LoadSpec {
  origin: string
  path: string
  headers: Record<string, string>
  /** `closed`: `concurrency` requests in flight; `open`: `rate` requests per second. */
  mode: 'closed' | 'open'
  concurrency: number
  rate: number
  warmupMs: number
  durationMs: number
}

export interface LoadFigures {
  requests: number
  /** Answers other than 200, and failed requests. */
  errors: number
  rps: number
  p50Ms: number
  p99Ms: number
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec
const pool = new Pool(spec.origin, {
  connections: spec.mode === 'closed' ? spec.concurrency : 512,
  keepAliveTimeout: 60_000,
})
const latencies: number[] = []
let errors = 0
const begin = performance.now()
const measureFrom = begin + spec.warmupMs
const measureTo = measureFrom + spec.durationMs

/** One GET; counted when it was due inside the measured window. */
async function call(dueAt: number): Promise<void> {
  let ok = false
  try {
    const response = await pool.request({ path: spec.path, method: 'GET', headers: spec.headers })
    await response.body.dump({ limit: Number.POSITIVE_INFINITY })
    ok = response.statusCode === 200
  } catch {
    ok = false
  }
  if (dueAt < measureFrom || dueAt >= measureTo) return
  latencies.push(performance.now() - dueAt)
  if (!ok) errors++
}

async function closedLoop(): Promise<void> {
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      while (performance.now() < measureTo) await call(performance.now())
    }),
  )
}

async function openLoop(): Promise<void> {
  const intervalMs = 1000 / spec.rate
  const inFlight = new Set<Promise<void>>()
  let sent = 0
  while (performance.now() < measureTo) {
    // Every request due by now goes out; a 1 ms tick keeps the schedule within about a millisecond.
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

function percentile(sorted: Float64Array, fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0
}

await (spec.mode === 'closed' ? closedLoop() : openLoop())
await pool.close()
const sorted = Float64Array.from(latencies).sort()
const figures: LoadFigures = {
  requests: latencies.length,
  errors,
  rps: (latencies.length / spec.durationMs) * 1000,
  p50Ms: percentile(sorted, 0.5),
  p99Ms: percentile(sorted, 0.99),
}
process.stdout.write(`${JSON.stringify(figures)}\n`)
