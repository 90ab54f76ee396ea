/**
 * `npm run bench -- --only cache`: the response cache, in one process: `createJunction()` (PGlite in a temporary data
 * dir) calling `junction.fetch()` against a local upstream on 127.0.0.1 that answers after `providerLatencyMs`, as a
 * nearby provider would. Each case sends `requests` GETs over `urls` distinct URLs, `concurrency` in flight, and reads
 * every body whole: the cache off (the baseline), on with `Cache-Control: max-age=600` (hits), and on with
 * `no-cache` + ETag (every use revalidated: 304s). Prints one table.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger } from '../src/core/logger.js'
import { createJunction } from '../src/index.js'
import { benchConfig } from './proxy-config.js'

export interface CacheCaseFigures {
  name: string
  requests: number
  providerCalls: number
  notModified: number
  p50Ms: number
  p99Ms: number
  errors: number
}

export interface CacheBenchOptions {
  requests: number
  urls: number
  concurrency: number
  providerLatencyMs: number
  bodyBytes: number
}

export const defaultCacheBench: CacheBenchOptions = {
  requests: 2_000,
  urls: 20,
  concurrency: 10,
  providerLatencyMs: 20,
  bodyBytes: 4_096,
}

export async function measureCache(options: CacheBenchOptions = defaultCacheBench): Promise<CacheCaseFigures[]> {
  let calls = 0
  let notModified = 0
  const body = JSON.stringify({ data: 'x'.repeat(options.bodyBytes) })
  const upstream = createServer((request, response) => {
    calls += 1
    setTimeout(() => {
      const revalidated = request.url?.startsWith('/revalidate/') === true
      const etag = '"bench-v1"'
      const cacheControl = revalidated ? 'no-cache' : 'max-age=600'
      if (request.headers['if-none-match'] === etag) {
        notModified += 1
        response.writeHead(304, { etag, 'cache-control': cacheControl })
        response.end()
        return
      }
      response.writeHead(200, { 'content-type': 'application/json', etag, 'cache-control': cacheControl })
      response.end(body)
    }, options.providerLatencyMs)
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`
  const dataDir = mkdtempSync(join(tmpdir(), 'junction-bench-cache-'))
  const junction = await createJunction({
    config: benchConfig(url),
    dataDir,
    mode: 'development',
    logger: createLogger({ level: 'silent' }),
  })
  const run = async (name: string, prefix: string, cache: 'on' | 'off'): Promise<CacheCaseFigures> => {
    calls = 0
    notModified = 0
    const latencies: number[] = []
    let next = 0
    let errors = 0
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < options.requests) {
          const index = next++
          const started = performance.now()
          const response = await junction.fetch('bench', null, `${prefix}/${index % options.urls}`, {
            headers: { 'junction-cache': cache },
          })
          await response.arrayBuffer()
          latencies.push(performance.now() - started)
          if (response.status !== 200) errors++
        }
      }),
    )
    const sorted = Float64Array.from(latencies).sort()
    const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0
    return {
      name,
      requests: latencies.length,
      providerCalls: calls,
      notModified,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      errors,
    }
  }
  try {
    // A warm-up, so that the first case does not pay for the first connections.
    await run('warm-up', '/warm', 'off')
    return [
      await run('cache off (baseline)', '/fresh', 'off'),
      await run('cache on, max-age=600 (hits)', '/fresh', 'on'),
      await run('cache on, no-cache + ETag (304s)', '/revalidate', 'on'),
    ]
  } finally {
    await junction.close()
    await new Promise<void>((resolve) => upstream.close(() => resolve()))
    rmSync(dataDir, { recursive: true, force: true })
  }
}

export function printCacheFigures(figures: CacheCaseFigures[], options: CacheBenchOptions = defaultCacheBench): void {
  console.log(
    `\nResponse cache: ${options.requests.toLocaleString('en')} GETs over ${options.urls} URLs, ${options.concurrency} in flight, junction.fetch() in process (createJunction, PGlite), upstream on 127.0.0.1 answering after ${options.providerLatencyMs} ms, ${options.bodyBytes} B bodies\n`,
  )
  console.log('| case | provider calls | provider calls saved | 304s | p50 | p99 | errors |')
  console.log('|---|---|---|---|---|---|---|')
  for (const row of figures) {
    const saved = 1 - row.providerCalls / row.requests
    console.log(
      `| ${row.name} | ${row.providerCalls} | ${(saved * 100).toFixed(1)}% | ${row.notModified} | ${row.p50Ms.toFixed(2)} ms | ${row.p99Ms.toFixed(2)} ms | ${row.errors} |`,
    )
  }
}
