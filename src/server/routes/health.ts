/**
 * @module `GET /health`: 200 while the database answers, 503 when it does not, or when it answers but refuses writes
 * (`"database": "disk_full"` or `"read_only"`). Redis, when configured, is reported (`degraded` while it does not
 * answer) but never turns the answer to 503: limits then hold per instance. No auth.
 */
import { Hono } from 'hono'
import { type Database, databaseAnswers } from '../../storage/database.js'

export function healthRoutes(database: Database, redis: () => 'ok' | 'degraded' | undefined = () => undefined): Hono {
  return new Hono().get('/health', async (c) => {
    const answers = await databaseAnswers(database)
    const state = answers ? (database.cannotWrite() ?? 'ok') : 'unavailable'
    const redisState = redis()
    const extra = redisState === undefined ? {} : { redis: redisState }
    c.header('cache-control', 'no-store')
    return state === 'ok'
      ? c.json({ status: 'ok', database: 'ok', ...extra }, 200)
      : c.json({ status: 'unavailable', database: state, ...extra }, 503)
  })
}
