/**
 * A scratch PostgreSQL database opened through a TCP proxy (tcp-proxy.ts), migrated, so that a test can stall, cut or
 * slow the database without touching the shared server; `close()` restores the proxy and drops the database.
 */
import { type Database, openDatabase } from '../../src/storage/database.js'
import { migrateToLatest } from '../../src/storage/migrate.js'
import { capturedLogger } from './captured-logger.js'
import { createPostgresDatabase } from './postgres-admin.js'
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js'

export interface ProxiedPostgres {
  database: Database
  tcp: TcpProxy
  close(): Promise<void>
}

export async function openProxiedPostgres(
  adminUrl: string,
  options: { poolSize?: number } = {},
): Promise<ProxiedPostgres> {
  const created = await createPostgresDatabase(adminUrl)
  const direct = new URL(created.url)
  const tcp = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) })
  const viaProxy = new URL(created.url)
  viaProxy.port = String(tcp.port)
  const database = await openDatabase(
    { backend: 'postgres', url: viaProxy.toString(), poolSize: options.poolSize ?? 5 },
    capturedLogger().logger,
  )
  await migrateToLatest(database)
  return {
    database,
    tcp,
    async close() {
      tcp.restore()
      await database.close()
      await tcp.close()
      await created.drop()
    },
  }
}
