/** @module Checking that the hub's port is free before anything is created, so a clash is said at once, plainly. */
import { createServer } from 'node:net'

/**
 * Binds `host:port` for a moment and lets it go. A port in use (or not ours to bind) is a one-line error naming the
 * flag and the variable that change it, before the data dir, keys or database are touched.
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return
  const refusal = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    const probe = createServer()
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error))
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(undefined)))
  })
  if (refusal === undefined) return
  const why = refusal.code === 'EADDRINUSE' ? 'is in use' : `cannot be bound (${refusal.code ?? refusal.message})`
  throw new Error(`port ${port} on ${host} ${why}: stop what uses it, or choose another with --port N or JUNCTION_PORT`)
}
