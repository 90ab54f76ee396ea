/**
 * @module `GET /health`: 200 while the database answers, 503 when it does not. Redis, when configured, is reported
 * (`degraded` while it does not answer) but never turns the answer to 503: limits then hold per instance. No auth.
 */
import { Hono } from 'hono'
import { type Database, databaseAnswers } from '../../storage/database.js'

export function healthRoutes(database: Database, redis: () => 'ok' | 'degraded' | undefined = () => undefined): Hono {
  return new Hono().get('/health', async (c) => {
    const ok = await databaseAnswers(database)
    const redisState = redis()
    const extra = redisState === undefined ? {} : { redis: redisState }
    c.header('cache-control', 'no-store')
    return ok
      ? c.json({ status: 'ok', database: 'ok', ...extra }, 200)
      : c.json({ status: 'unavailable', database: 'unavailable', ...extra }, 503)
  })
}
