/**
 * The webhooks benchmark's servers, each run as a process of its own (`node --import tsx bench/webhooks-servers.ts
 * <kind> …`), printing the port they listen on as their first line:
 * - `baseline <database url> <whsec_ secret>`: the inbound baseline, a bare `node:http` server that reads the body,
 *   checks the Standard Webhooks signature (HMAC-SHA256 over `id.timestamp.body`, computed and compared in constant
 *   time, the timestamp within 5 minutes), makes one `INSERT` (a unique id, `on conflict do nothing`) into a
 *   one-table PostgreSQL database through a `pg` pool of 10 (the hub's default), then answers 200;
 * - `receiver`: the app for the outbound cases, answering each `POST` 204 at once, and `GET /stats` with how many it
 *   received and when the first and the last came (epoch milliseconds, sub-millisecond).
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import pg from 'pg'

const [kind, ...rest] = process.argv.slice(2)
const listening = (port: number) => process.stdout.write(`${port}\n`)
const now = () => performance.timeOrigin + performance.now()

function readBody(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => resolve(Buffer.concat(chunks)))
    incoming.on('error', reject)
  })
}

if (kind === 'baseline') {
  const [url = '', secret = ''] = rest
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  await pool.query(
    'create table if not exists webhooks (id text primary key, body jsonb not null, received_at timestamptz not null default now())',
  )
  const verified = (id: string, timestamp: string, signatures: string, body: Buffer): boolean => {
    if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest()
    return signatures.split(' ').some((entry) => {
      const [version, value = ''] = entry.split(',')
      const given = Buffer.from(value, 'base64')
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected)
    })
  }
  const server = createServer((incoming, response) => {
    readBody(incoming)
      .then(async (body) => {
        const id = incoming.headers['webhook-id']
        const timestamp = incoming.headers['webhook-timestamp']
        const signature = incoming.headers['webhook-signature']
        if (
          typeof id !== 'string' ||
          typeof timestamp !== 'string' ||
          typeof signature !== 'string' ||
          !verified(id, timestamp, signature, body)
        ) {
          response.writeHead(401).end()
          return
        }
        await pool.query('insert into webhooks (id, body) values ($1, $2) on conflict (id) do nothing', [
          id,
          body.toString(),
        ])
        const answer = '{"received":true}'
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length }).end(answer)
      })
      .catch(() => {
        response.writeHead(500).end()
      })
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => listening((server.address() as { port: number }).port))
} else if (kind === 'receiver') {
  let count = 0
  let firstAt = 0
  let lastAt = 0
  const server = createServer((incoming, response) => {
    if (incoming.method === 'GET' && incoming.url === '/stats') {
      incoming.resume()
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count, firstAt, lastAt }))
      return
    }
    if (incoming.method === 'DELETE' && incoming.url === '/stats') {
      incoming.resume()
      count = 0
      firstAt = 0
      lastAt = 0
      response.writeHead(204).end()
      return
    }
    incoming.resume()
    incoming.on('end', () => {
      const at = now()
      if (count === 0) firstAt = at
      lastAt = at
      count++
      response.writeHead(204).end()
    })
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', () => listening((server.address() as { port: number }).port))
} else {
  throw new Error(`unknown server kind ${kind}`)
}
