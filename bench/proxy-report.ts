/** Prints the proxy benchmark's figures as the Markdown tables of BENCHMARKS.md, with ratios and goals. */

import type { ProxyFigures, RoundFigures, SoakFigures } from './proxy.js'
import type { LoadFigures } from './proxy-load.js'

const ms = (value: number) => `${value.toFixed(2)} ms`

export function printProxyFigures(figures: ProxyFigures, rounds: number): void {
  const { closed, open } = figures
  const ratio = (figures: LoadFigures | undefined, base: LoadFigures) =>
    figures === undefined ? 'n/a' : (figures.rps / base.rps).toFixed(2)
  const row = (name: string, figures: RoundFigures | undefined) =>
    figures === undefined
      ? `| ${name} | skipped (no PostgreSQL) | | | | | |`
      : `| ${name} | ${Math.round(figures.rps)} (${Math.round(figures.minRps)}–${Math.round(figures.maxRps)}) | ${ms(figures.p50Ms)} | ${ms(figures.p99Ms)} | ${ratio(figures, closed.direct)} | ${ratio(figures, closed.nodePassThrough)} | ${ratio(figures, closed.honoPassThrough)} |`
  console.log(
    `\nProxy throughput: small JSON GETs, closed loop, median of ${rounds} alternating rounds (range of rates in brackets)\n`,
  )
  console.log(
    `Machine load average (1 min, 2 cores, shared): ${figures.loadAverage.before.toFixed(2)} before, ${figures.loadAverage.after.toFixed(2)} after\n`,
  )
  console.log('| case | requests/s | p50 | p99 | vs (a) | vs (b) | vs (d) |')
  console.log('|---|---|---|---|---|---|---|')
  console.log(row('(a) direct undici (baseline)', closed.direct))
  console.log(row('(b) bare node:http + undici.request pass-through', closed.nodePassThrough))
  console.log(row('(d) bare Hono route + undici.request', closed.honoPassThrough))
  console.log(row('    bare Hono route + global fetch (reference)', closed.honoFetchPassThrough))
  console.log(row('(c) junction /v1/proxy, PostgreSQL', closed.junctionPostgres))
  console.log(row('(c) junction /v1/proxy, PGlite', closed.junctionPglite))
  console.log(row(`(c-user) as a user with an OAuth connection, ${figures.backend}`, closed.junctionUser))
  console.log(
    `\nThe user's token lasts 20 s: the upstream had issued ${figures.userRefreshes} tokens by the end (both hubs refresh theirs).`,
  )
  const big = (name: string, figures: RoundFigures) =>
    `| ${name} | ${Math.round(figures.rps)} (${Math.round(figures.minRps)}–${Math.round(figures.maxRps)}) | ${ms(figures.p50Ms)} | ${ms(figures.p99Ms)} | ${ratio(figures, closed.directBig)} | ${ratio(figures, closed.nodeBig)} |`
  console.log('\nA 50 KiB JSON answer, the same way\n')
  console.log('| case | requests/s | p50 | p99 | vs (a) | vs (b) |')
  console.log('|---|---|---|---|---|---|')
  console.log(big('(a) direct undici (baseline)', closed.directBig))
  console.log(big('(b) bare node:http + undici.request pass-through', closed.nodeBig))
  console.log(big(`(c) junction /v1/proxy, ${figures.backend}`, closed.junctionBig))
  const { library, libraryPglite } = figures
  console.log(
    "\n(c-lib): junction.fetch() in the application's process (as a Next.js route calls it) against raw undici.request there, 50 in flight, bodies read whole\n",
  )
  console.log('| database | case | requests/s | p50 | p99 | vs raw |')
  console.log('|---|---|---|---|---|---|')
  const libraryRuns = [
    [figures.backend, library] as const,
    ...(libraryPglite === undefined ? [] : [['pglite', libraryPglite] as const]),
  ]
  for (const [database, run] of libraryRuns)
    for (const [name, figures] of [
      ['raw undici.request (baseline)', run.raw],
      ['junction.fetch()', run.library],
    ] as const)
      console.log(
        `| ${database} | ${name} | ${Math.round(figures.rps)} (${Math.round(figures.minRps)}–${Math.round(figures.maxRps)}) | ${ms(figures.p50Ms)} | ${ms(figures.p99Ms)} | ${ratio(figures, run.raw)} |`,
      )
  const main = closed.junctionPostgres ?? closed.junctionPglite
  const added = open.junction.p50Ms - open.direct.p50Ms
  const goal = (name: string, value: number | undefined, target: number, atMost = false) =>
    console.log(
      `- ${name}: ${value === undefined ? 'not measured' : `${value.toFixed(2)}, ${(atMost ? value <= target : value >= target) ? 'met' : 'not met'}`}`,
    )
  console.log(`\nGoals ((c) on ${figures.backend}):`)
  goal('(c) vs (d) ≥ 1.0', main.rps / closed.honoPassThrough.rps, 1)
  goal('(c) vs (b) ≥ 0.65', main.rps / closed.nodePassThrough.rps, 0.65)
  goal('(c-user) vs (c) ≥ 0.9', closed.junctionUser.rps / main.rps, 0.9)
  goal(
    '(c) on PGlite vs PostgreSQL ≥ 0.9',
    closed.junctionPostgres === undefined ? undefined : closed.junctionPglite.rps / closed.junctionPostgres.rps,
    0.9,
  )
  for (const [database, run] of libraryRuns)
    goal(`(c-lib) on ${database} vs raw undici in-process ≥ 0.7`, run.library.rps / run.raw.rps, 0.7)
  console.log(
    `\nOpen loop at ${open.rate} requests/s (half of (c)'s peak on ${open.backend}), latency from when each was due, the round with the median p50 of ${rounds}\n`,
  )
  console.log('| case | requests | errors | p50 | p99 |')
  console.log('|---|---|---|---|---|')
  for (const [name, figures] of [
    ['(a) direct undici', open.direct],
    [`(c) junction /v1/proxy, ${open.backend}`, open.junction],
  ] as const)
    console.log(`| ${name} | ${figures.requests} | ${figures.errors} | ${ms(figures.p50Ms)} | ${ms(figures.p99Ms)} |`)
  console.log('')
  goal('p50 added over (a) ≤ 0.5 ms', added, 0.5, true)
}

export function printSoakFigures(soak: SoakFigures): void {
  const growth = soak.rssMaxMiB / soak.rssAfterWarmupMiB - 1
  console.log(
    `\nProxy memory soak: ${soak.rate} requests/s on PostgreSQL, 60 s warm-up then 5 minutes, RSS each second\n`,
  )
  console.log('| RSS after warm-up | most after warm-up | at the end | growth | requests | errors | p50 | p99 |')
  console.log('|---|---|---|---|---|---|---|---|')
  console.log(
    `| ${soak.rssAfterWarmupMiB.toFixed(1)} MiB | ${soak.rssMaxMiB.toFixed(1)} MiB | ${soak.rssEndMiB.toFixed(1)} MiB | ${(growth * 100).toFixed(1)}% | ${soak.load.requests} | ${soak.load.errors} | ${ms(soak.load.p50Ms)} | ${ms(soak.load.p99Ms)} |`,
  )
  console.log(
    `\nRSS every 30 s: ${soak.series.map((sample) => `${sample.atSeconds} s ${sample.mib.toFixed(0)}`).join(', ')} (MiB)`,
  )
  console.log(`\nGoal within +10%: ${growth <= 0.1 ? 'met' : 'not met'}`)
}
