/**
 * `node --import tsx bench/http-profile.ts`: where junction/http's time and allocations go on the common call (a GET
 * with no body, answered with JSON), beside raw `undici.request` in the same run. It prints requests per second
 * (median of alternating runs), bytes allocated per call (V8's sampling heap profiler, collected objects included)
 * and the functions that allocate most. `--before <dist/http/index.js>` adds another build of the client (an older
 * commit's, say) to the same alternation; run under `node --cpu-prof` for a CPU profile.
 */
import { Session } from 'node:inspector/promises'
import { parseArgs } from 'node:util'
import { Agent, request } from 'undici'
import { startServerProcess, throughput } from './http.js'

const { values: flags } = parseArgs({
  options: {
    before: { type: 'string' },
    count: { type: 'string', default: '30000' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '32' },
  },
})
const count = Number(flags.count)
const rounds = Number(flags.rounds)
const concurrency = Number(flags.concurrency)

type HttpModule = typeof import('../src/http/index.js')
const load = async (path: string) => (await import(new URL(path, `file://${process.cwd()}/`).href)) as HttpModule

const upstream = await startServerProcess()
const agent = new Agent({ connections: 128 })
const clients: { name: string; call: (index: number) => Promise<unknown>; close(): Promise<void> }[] = [
  {
    name: 'undici.request (baseline)',
    call: async (index) => {
      const response = await request(`${upstream.url}/items/${index}`, { dispatcher: agent })
      return response.body.json()
    },
    close: () => agent.close(),
  },
]
const options = {
  baseUrl: upstream.url,
  egress: { allowHttp: true, allowPrivateNetworks: true },
  rateLimit: { requestsPerSecond: 1_000_000, burst: 1_000_000, maxConcurrent: 1_000 },
}
for (const [name, path] of [
  ...(flags.before === undefined ? [] : [['createHttpClient (before)', flags.before] as const]),
  ['createHttpClient', 'dist/http/index.js'] as const,
]) {
  const api = (await load(path)).createHttpClient(options)
  clients.push({ name, call: (index) => api.get(`/items/${index}`), close: () => api.close() })
}

/** Bytes allocated per call, and the functions that allocated most (self, per call). */
async function allocations(call: (index: number) => Promise<unknown>, calls: number) {
  const session = new Session()
  session.connect()
  await session.post('HeapProfiler.enable')
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  })
  await throughput(calls, concurrency, call)
  const { profile } = await session.post('HeapProfiler.stopSampling')
  session.disconnect()
  const bySite = new Map<string, number>()
  let total = 0
  const walk = (node: typeof profile.head) => {
    total += node.selfSize
    const frame = node.callFrame
    const site = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`
    bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize)
    for (const child of node.children) walk(child)
  }
  walk(profile.head)
  const top = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 12)
  return { perCall: total / calls, top: top.map(([site, bytes]) => [site, bytes / calls] as const) }
}

for (const client of clients) await throughput(2_000, concurrency, client.call)
const perSecond = clients.map(() => [] as number[])
for (let round = 0; round < rounds; round++) {
  for (const [index, client] of clients.entries()) {
    perSecond[index]!.push(await throughput(count / rounds, concurrency, client.call))
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
const baseline = median(perSecond[0]!)
console.log(`${count} GETs, ${concurrency} in flight, median of ${rounds} alternating runs\n`)
console.log('| client | requests/s | vs raw undici | runs | bytes allocated per call |')
console.log('|---|---|---|---|---|')
const sites: string[] = []
for (const [index, client] of clients.entries()) {
  const allocated = await allocations(client.call, 10_000)
  const runs = perSecond[index]!.map((value) => Math.round(value)).join(', ')
  const ratio = (median(perSecond[index]!) / baseline).toFixed(2)
  console.log(
    `| ${client.name} | ${Math.round(median(perSecond[index]!))} | ${ratio} | ${runs} | ${Math.round(allocated.perCall)} |`,
  )
  sites.push(`\n${client.name}, bytes per call by allocating function:`)
  for (const [site, bytes] of allocated.top) sites.push(`  ${Math.round(bytes).toString().padStart(6)}  ${site}`)
}
console.log(sites.join('\n'))
for (const client of clients) await client.close()
upstream.stop()
