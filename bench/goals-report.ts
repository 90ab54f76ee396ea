/**
 * The performance goals of the proxy, the client and the limiter in one table, each figure beside its goal, from the
 * figures of one `npm run bench` run (printed when that run measured all of them).
 */
import type { LimitRun } from './http.js'
import type { ProxyFigures, SoakFigures } from './proxy.js'
import type { StartupFigures } from './startup.js'

export interface GoalFigures {
  startup: StartupFigures
  overhead: { rawPerSecond: number; junctionPerSecond: number }
  limits: LimitRun[]
  proxy: ProxyFigures
  soak: SoakFigures
}

const fixed = (value: number) => value.toFixed(2)
const verdict = (met: boolean) => (met ? 'met' : 'not met')

export function printGoals({ startup, overhead, limits, proxy, soak }: GoalFigures): void {
  const { closed, open, library, libraryPglite } = proxy
  const main = closed.junctionPostgres ?? closed.junctionPglite
  const limitRun = (prefix: string) => limits.find((run) => run.name.startsWith(prefix))
  const announced = limitRun('junction/http, limit announced')
  const unknown = limitRun('junction/http, limit unknown')
  const added = open.junction.p50Ms - open.direct.p50Ms
  const clientRatio = overhead.junctionPerSecond / overhead.rawPerSecond
  const libraryRatio = library.library.rps / library.raw.rps
  const pgliteLibraryRatio = libraryPglite === undefined ? undefined : libraryPglite.library.rps / libraryPglite.raw.rps
  const growth = soak.rssMaxMiB / soak.rssAfterWarmupMiB - 1
  const pgliteVsPostgres =
    closed.junctionPostgres === undefined ? undefined : closed.junctionPglite.rps / closed.junctionPostgres.rps
  const rows: [string, string, string, string][] = [
    [
      '(c) app-level vs (d) bare Hono + undici',
      fixed(main.rps / closed.honoPassThrough.rps),
      '≥ 1.0',
      verdict(main.rps >= closed.honoPassThrough.rps),
    ],
    [
      '(c) vs (b) bare node:http + undici pass-through',
      fixed(main.rps / closed.nodePassThrough.rps),
      '≥ 0.65',
      verdict(main.rps / closed.nodePassThrough.rps >= 0.65),
    ],
    [
      '(c-user) vs (c)',
      fixed(closed.junctionUser.rps / main.rps),
      '≥ 0.9',
      verdict(closed.junctionUser.rps / main.rps >= 0.9),
    ],
    [
      '(c) on PGlite vs on PostgreSQL',
      pgliteVsPostgres === undefined ? 'n/a' : fixed(pgliteVsPostgres),
      '≥ 0.9',
      pgliteVsPostgres === undefined ? 'n/a' : verdict(pgliteVsPostgres >= 0.9),
    ],
    [
      `p50 added over direct at ${open.rate}/s (half of (c)'s peak), open loop`,
      `${fixed(added)} ms`,
      '≤ 0.5 ms',
      verdict(added <= 0.5),
    ],
    ['junction/http vs raw undici.request', fixed(clientRatio), '≥ 0.9', verdict(clientRatio >= 0.9)],
    [
      `(c-lib) junction.fetch in the app's process vs raw undici there, ${proxy.backend}${pgliteLibraryRatio === undefined ? '' : ' / PGlite'}`,
      `${fixed(libraryRatio)}${pgliteLibraryRatio === undefined ? '' : ` / ${fixed(pgliteLibraryRatio)}`}`,
      '≥ 0.7',
      verdict(libraryRatio >= 0.7 && (pgliteLibraryRatio ?? 1) >= 0.7),
    ],
    [
      'adaptive, limit announced in headers: successes / allowed',
      announced === undefined ? 'n/a' : `${fixed(announced.efficiency)}, ${announced.refused} × 429`,
      '≥ 0.95, at most 1 × 429',
      announced === undefined ? 'n/a' : verdict(announced.efficiency >= 0.95 && announced.refused <= 1),
    ],
    [
      'adaptive, limit unknown (300 calls, 50/s, burst 5)',
      unknown === undefined ? 'n/a' : `${fixed(unknown.efficiency)}, ${unknown.refused} × 429`,
      '≥ 0.85, at most 10 × 429',
      unknown === undefined ? 'n/a' : verdict(unknown.efficiency >= 0.85 && unknown.refused <= 10),
    ],
    [
      `RSS over the 5-minute soak at ${soak.rate}/s; idle RSS on PostgreSQL`,
      `+${(growth * 100).toFixed(1)}%; ${startup.postgresIdleRssMiB === undefined ? 'n/a' : `${startup.postgresIdleRssMiB} MiB`}`,
      'within +10%; idle not above 85 MiB',
      startup.postgresIdleRssMiB === undefined ? 'n/a' : verdict(growth <= 0.1 && startup.postgresIdleRssMiB <= 85),
    ],
  ]
  console.log('\nPerformance goals, all from this run\n')
  console.log('| measure | this run | goal | |')
  console.log('|---|---|---|---|')
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
}
