/**
 * Benchmarks of junction/http, each beside a baseline measured in the same run, against local keep-alive servers:
 * overhead against raw undici, rate-limit efficiency against p-queue and a naive scheduler, and the adaptive limiter
 * with the limit unknown to the client.
 */
import { spawn } from 'node:child_process'
import PQueue from 'p-queue'
import { Agent, request } from 'undici'
import { startAnnouncingUpstream } from '../test/helpers/announcing-upstream.js'
import { startUpstream } from '../test/helpers/fake-upstream.js'

// The built package, as users run it (npm run bench builds first), not sources transpiled on the fly.
const builtHttp = new URL('../dist/http/index.js', import.meta.url).href
const { createHttpClient } = (await import(builtHttp)) as typeof import('../src/http/index.js')

const local = { allowHttp: true, allowPrivateNetworks: true }

/** Runs `count` calls with at most `concurrency` in flight; returns calls per second. */
export async function throughput(
  count: number,
  concurrency: number,
  call: (index: number) => Promise<unknown>,
): Promise<number> {
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await call(next++)
    }),
  )
  return (count / (performance.now() - started)) * 1000
}

/** A keep-alive JSON server in a process of its own, so that it does not compete with the client for this thread. */
export async function startServerProcess(): Promise<{ url: string; stop(): void }> {
  const script = `
    const server = require('node:http').createServer((request, response) => {
      request.resume()
      request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"items":[1,2,3]}'))
    })
    server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'))`
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise<string>((resolve) =>
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())),
  )
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() }
}

export async function measureOverhead(count = 30_000, concurrency = 32) {
  const upstream = await startServerProcess()
  const agent = new Agent({ connections: 128 })
  const raw = async (index: number) => {
    const response = await request(`${upstream.url}/items/${index}`, { dispatcher: agent })
    await response.body.json()
  }
  const api = createHttpClient({
    baseUrl: upstream.url,
    egress: local,
    rateLimit: { requestsPerSecond: 1_000_000, burst: 1_000_000, maxConcurrent: 1_000 },
  })
  const junction = (index: number) => api.get(`/items/${index}`)
  // Warm both pools, then alternate runs so that neither benefits from going second.
  await throughput(2_000, concurrency, raw)
  await throughput(2_000, concurrency, junction)
  const rawRuns: number[] = []
  const junctionRuns: number[] = []
  for (let round = 0; round < 5; round++) {
    rawRuns.push(await throughput(count / 5, concurrency, raw))
    junctionRuns.push(await throughput(count / 5, concurrency, junction))
  }
  await api.close()
  await agent.close()
  upstream.stop()
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
  return { rawPerSecond: median(rawRuns), junctionPerSecond: median(junctionRuns) }
}

export interface LimitRun {
  name: string
  succeeded: number
  refused: number
  seconds: number
  /** Successful calls as a fraction of what the server's limit allowed in the same time (burst + rate · t). */
  efficiency: number
}

const limit = { requestsPerSecond: 50, burst: 5 }

async function limitRun(name: string, run: (url: string) => Promise<void>): Promise<LimitRun> {
  const upstream = await startUpstream({ rateLimit: limit })
  const started = performance.now()
  await run(upstream.url)
  const seconds = (performance.now() - started) / 1000
  const succeeded = upstream.arrivals.filter((arrival) => arrival.status === 200).length
  const refused = upstream.arrivals.filter((arrival) => arrival.status === 429).length
  await upstream.close()
  // What the limit allowed in that time: the burst, then the rate.
  const allowed = limit.burst + limit.requestsPerSecond * seconds
  return { name, succeeded, refused, seconds, efficiency: succeeded / allowed }
}

/** One GET with undici, the outcome ignored (a 429 is a wasted call, not retried). */
async function plainGet(agent: Agent, url: string): Promise<void> {
  const response = await request(url, { dispatcher: agent })
  await response.body.dump()
}

/**
 * The usual hand-written limiter: it spaces starts by 1000 / rate from the last start it has seen, and checks its
 * concurrency only when a task is queued. Queued all at once, every task sees the same last start and no task
 * running, so they all fire together.
 */
function naiveScheduler(rate: number, maxConcurrent: number) {
  let lastStart = 0
  let running = 0
  return (task: () => Promise<void>): Promise<void> => {
    if (running >= maxConcurrent) return new Promise((resolve) => setTimeout(resolve, 1000 / rate)).then(() => task())
    const delay = Math.max(0, lastStart + 1000 / rate - performance.now())
    return new Promise((resolve) => setTimeout(resolve, delay)).then(async () => {
      running++
      lastStart = performance.now()
      try {
        await task()
      } finally {
        running--
      }
    })
  }
}

export async function measureRateLimits(count = 300): Promise<LimitRun[]> {
  const agent = new Agent({ connections: 64 })
  const runs: LimitRun[] = []
  runs.push(
    await limitRun('junction/http, limit configured (50/s, burst 5)', async (url) => {
      const api = createHttpClient({ baseUrl: url, egress: local, rateLimit: { ...limit, maxConcurrent: 10 } })
      await Promise.all(Array.from({ length: count }, (_, index) => api.get(`/items/${index}`)))
      await api.close()
    }),
  )
  runs.push(
    await limitRun('p-queue, one start per 20 ms', async (url) => {
      const queue = new PQueue({ intervalCap: 1, interval: 20, concurrency: 10 })
      await Promise.all(
        Array.from({ length: count }, (_, index) => queue.add(() => plainGet(agent, `${url}/items/${index}`))),
      )
    }),
  )
  runs.push(
    await limitRun('p-queue, 50 per 1,000 ms', async (url) => {
      const queue = new PQueue({ intervalCap: 50, interval: 1_000, concurrency: 10 })
      await Promise.all(
        Array.from({ length: count }, (_, index) => queue.add(() => plainGet(agent, `${url}/items/${index}`))),
      )
    }),
  )
  runs.push(
    await limitRun('naive scheduler (1000 / rate spacing)', async (url) => {
      const schedule = naiveScheduler(50, 10)
      await Promise.all(
        Array.from({ length: count }, (_, index) => schedule(() => plainGet(agent, `${url}/items/${index}`))),
      )
    }),
  )
  runs.push(
    await limitRun('junction/http, limit unknown (adaptive)', async (url) => {
      const api = createHttpClient({
        baseUrl: url,
        egress: local,
        deadlineMs: 120_000,
        retry: { maxAttempts: 10 },
        rateLimit: { maxConcurrent: 10 },
      })
      await Promise.all(Array.from({ length: count }, (_, index) => api.get(`/items/${index}`)))
      await api.close()
    }),
  )
  runs.push(await announcedRun(count))
  await agent.close()
  return runs
}

/**
 * A server that announces its limit (IETF `RateLimit-Policy: "window";q=50;w=1` and `RateLimit: r, t`) and enforces
 * it as a fixed window of 50 a second; no limit configured on the client. What the limit allowed: 50 + 50 · seconds.
 */
async function announcedRun(count: number): Promise<LimitRun> {
  const upstream = await startAnnouncingUpstream({ quota: 50, windowMs: 1_000, form: 'ietf' })
  const api = createHttpClient({
    baseUrl: upstream.url,
    egress: local,
    deadlineMs: 120_000,
    retry: { maxAttempts: 10 },
    rateLimit: { maxConcurrent: 10 },
  })
  const started = performance.now()
  await Promise.all(Array.from({ length: count }, (_, index) => api.get(`/items/${index}`)))
  const seconds = (performance.now() - started) / 1000
  await api.close()
  await upstream.close()
  const succeeded = upstream.arrivals.filter((arrival) => arrival.status === 200).length
  const refused = upstream.arrivals.filter((arrival) => arrival.status === 429).length
  const name = 'junction/http, limit announced in headers (IETF, fixed window 50 per 1 s)'
  return { name, succeeded, refused, seconds, efficiency: succeeded / (50 + 50 * seconds) }
}
