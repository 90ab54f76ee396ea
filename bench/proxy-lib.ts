/**
 * (c-lib), run as a process of its own (`node --import tsx bench/proxy-lib.ts '<json>'`): `junction.fetch()` inside
 * the application's process, as a Next.js route would call it, against raw `undici.request` to the same upstream in
 * the same process. Each case keeps `concurrency` calls in flight (closed loop) and reads every body whole; the cases
 * alternate over the rounds. Prints one JSON line of figures (its last line).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { createLogger } from '../src/core/logger.js'
import { createJunction } from '../src/index.js'
import { benchConfig } from './proxy-config.js'
import type { LoadFigures } from './proxy-load.js'

export interface LibrarySpec {
  upstream: string
  /** PostgreSQL, as (c) runs on when there is one; else the embedded database (PGlite) in this process. */
  databaseUrl: string | undefined
  concurrency: number
  warmupMs: number
  durationMs: number
  rounds: number
}

export interface LibraryFigures {
  raw: LoadFigures[]
  library: LoadFigures[]
}

async function closedLoop(spec: LibrarySpec, call: () => Promise<boolean>): Promise<LoadFigures> {
  const begin = performance.now()
  const measureFrom = begin + spec.warmupMs
  const measureTo = measureFrom + spec.durationMs
  const latencies: number[] = []
  let errors = 0
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      while (performance.now() < measureTo) {
        const started = performance.now()
        const ok = await call().catch(() => false)
        if (started < measureFrom) continue
        latencies.push(performance.now() - started)
        if (!ok) errors++
      }
    }),
  )
  const sorted = Float64Array.from(latencies).sort()
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0
  return {
    requests: latencies.length,
    errors,
    rps: (latencies.length / spec.durationMs) * 1000,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  }
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LibrarySpec
const dataDir = mkdtempSync(join(tmpdir(), 'junction-bench-lib-'))
const junction = await createJunction({
  config: benchConfig(spec.upstream),
  ...(spec.databaseUrl === undefined ? { dataDir } : { databaseUrl: spec.databaseUrl }),
  mode: 'development',
  logger: createLogger({ level: 'silent' }),
})
const dispatcher = new Agent({ connections: 256, keepAliveTimeout: 60_000 })
const raw = async () => {
  const response = await request(`${spec.upstream}/items`, { dispatcher })
  await response.body.arrayBuffer()
  return response.statusCode === 200
}
const library = async () => {
  const response = await junction.fetch('bench', null, '/items')
  await response.arrayBuffer()
  return response.status === 200
}
const figures: LibraryFigures = { raw: [], library: [] }
try {
  for (let round = 0; round < spec.rounds; round++) {
    figures.raw.push(await closedLoop(spec, raw))
    figures.library.push(await closedLoop(spec, library))
  }
} finally {
  await junction.close()
  await dispatcher.close()
  rmSync(dataDir, { recursive: true, force: true })
}
process.stdout.write(`${JSON.stringify(figures)}\n`)
