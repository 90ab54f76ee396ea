/**
 * The app's side of event delivery: an HTTP server on 127.0.0.1 standing for `events.url`. It records every request
 * it gets (headers, raw body, when it began and ended) and answers as the test says, per event id and attempt.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

export interface ReceivedRequest {
  method: string
  path: string
  headers: Record<string, string>
  body: string
  /** The `webhook-id` header. */
  id: string
  /** This id's attempt number as the receiver saw it (1 for the first request with that id). */
  attempt: number
  startedAt: number
  endedAt: number | undefined
}

export interface Answer {
  status: number
  headers?: Record<string, string>
  /** Waits this long before answering (a slow app). */
  delayMs?: number
  /** @default 'no thanks' for a status of 300 or more, else nothing */
  body?: string
}

export type Answering = (request: { id: string; attempt: number }) => Answer

export interface EventReceiver {
  readonly url: string
  readonly port: number
  readonly requests: ReceivedRequest[]
  /** How many requests each `webhook-id` got. */
  countsById(): Map<string, number>
  /** Requests of one id whose handling overlapped in time (two attempts at once): should be none. */
  overlaps(): Array<[ReceivedRequest, ReceivedRequest]>
  answer(answering: Answering): void
  close(): Promise<void>
}

export async function startEventReceiver(answering: Answering = () => ({ status: 204 })): Promise<EventReceiver> {
  const requests: ReceivedRequest[] = []
  const attempts = new Map<string, number>()
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let current = answering

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const startedAt = performance.now()
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const id = String(req.headers['webhook-id'] ?? '')
      const attempt = (attempts.get(id) ?? 0) + 1
      attempts.set(id, attempt)
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, String(value)])),
        body: Buffer.concat(chunks).toString('utf8'),
        id,
        attempt,
        startedAt,
        endedAt: undefined,
      }
      requests.push(received)
      const reply = current({ id, attempt })
      const send = () => {
        received.endedAt = performance.now()
        res.writeHead(reply.status, reply.headers ?? {})
        res.end(reply.body ?? (reply.status >= 300 ? 'no thanks' : ''))
      }
      if (reply.delayMs === undefined) return send()
      const timer = setTimeout(() => {
        timers.delete(timer)
        if (!res.destroyed) send()
      }, reply.delayMs)
      timers.add(timer)
      // A caller that gave up closes the socket: the request ended then, as far as overlap goes.
      res.on('close', () => {
        received.endedAt ??= performance.now()
      })
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0

  return {
    url: `http://127.0.0.1:${port}/junction-events`,
    port,
    requests,
    countsById() {
      const counts = new Map<string, number>()
      for (const request of requests) counts.set(request.id, (counts.get(request.id) ?? 0) + 1)
      return counts
    },
    overlaps() {
      const found: Array<[ReceivedRequest, ReceivedRequest]> = []
      const byId = new Map<string, ReceivedRequest[]>()
      for (const request of requests) byId.set(request.id, [...(byId.get(request.id) ?? []), request])
      for (const list of byId.values()) {
        const sorted = [...list].sort((a, b) => a.startedAt - b.startedAt)
        for (let index = 1; index < sorted.length; index++) {
          const before = sorted[index - 1]!
          const after = sorted[index]!
          if ((before.endedAt ?? Number.POSITIVE_INFINITY) > after.startedAt) found.push([before, after])
        }
      }
      return found
    },
    answer(answering) {
      current = answering
    },
    async close() {
      for (const timer of timers) clearTimeout(timer)
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
