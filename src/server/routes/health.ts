/** @module `GET /health`: 200 while the database answers, 503 when it does not. No auth. */
import { Hono } from 'hono'
import { type Database, databaseAnswers } from '../../storage/database.js'

export function healthRoutes(database: Database): Hono {
  return new Hono().get('/health', async (c) => {
    const ok = await databaseAnswers(database)
    c.header('cache-control', 'no-store')
    return ok
      ? c.json({ status: 'ok', database: 'ok' }, 200)
      : c.json({ status: 'unavailable', database: 'unavailable' }, 503)
  })
}
