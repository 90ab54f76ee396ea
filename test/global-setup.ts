/**
 * Finds the services the suites need. Locally a missing service skips its suites with a message saying why; with
 * JUNCTION_TEST_REQUIRE_SERVICES=1 (as .ci/run sets) a missing service fails the run instead.
 */
import { Redis } from 'ioredis'
import pg from 'pg'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** An admin URL of a PostgreSQL server for tests, or null when none answers. */
    postgresUrl: string | null
    /** A Redis URL for tests, or null when none answers. */
    redisUrl: string | null
  }
}

const defaultPostgresUrl = 'postgres://postgres@127.0.0.1:5432/postgres'
const defaultRedisUrl = 'redis://127.0.0.1:6379'

export default async function setup(project: TestProject): Promise<void> {
  const required = process.env.JUNCTION_TEST_REQUIRE_SERVICES === '1'
  const postgresUrl = process.env.JUNCTION_TEST_DATABASE_URL ?? defaultPostgresUrl
  const problem = await probePostgres(postgresUrl)
  if (problem !== undefined) {
    const message = `PostgreSQL at ${redactUrl(postgresUrl)} does not answer (${problem})`
    if (required) throw new Error(`${message}, and JUNCTION_TEST_REQUIRE_SERVICES=1 makes it mandatory`)
    process.stderr.write(
      `\n[junction tests] SKIPPED: the PostgreSQL backend of the storage, vault and API suites: ${message}. ` +
        'Set JUNCTION_TEST_DATABASE_URL to run them.\n\n',
    )
  }
  project.provide('postgresUrl', problem === undefined ? postgresUrl : null)

  const redisUrl = process.env.JUNCTION_TEST_REDIS_URL ?? defaultRedisUrl
  const redisProblem = await probeRedis(redisUrl)
  if (redisProblem !== undefined) {
    const message = `Redis at ${redactUrl(redisUrl)} does not answer (${redisProblem})`
    if (required) throw new Error(`${message}, and JUNCTION_TEST_REQUIRE_SERVICES=1 makes it mandatory`)
    process.stderr.write(
      `\n[junction tests] SKIPPED: the shared rate-limit suites (Redis): ${message}. Set JUNCTION_TEST_REDIS_URL to run them.\n\n`,
    )
  }
  project.provide('redisUrl', redisProblem === undefined ? redisUrl : null)
}

async function probeRedis(url: string): Promise<string | undefined> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.ping()
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    client.disconnect()
  }
}

async function probePostgres(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 })
  try {
    await client.connect()
    await client.query('select 1')
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await client.end().catch(() => undefined)
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]+@/, '//$1:***@')
}
