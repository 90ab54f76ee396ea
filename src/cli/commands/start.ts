/** @module `junction start`: open the hub (migrating first), serve the API, and stop gracefully on a signal. */
import { type Command, InvalidArgumentError } from 'commander'
import { createLogger } from '../../core/logger.js'
import { ensureFirstApiKey } from '../../hub/first-api-key.js'
import { openHub } from '../../hub/open-hub.js'
import { createApp } from '../../server/app.js'
import { listen } from '../../server/serve.js'
import { readOptions } from '../cli-context.js'

interface StartFlags {
  host?: string
  port?: number
  config?: string
}

export function parsePortFlag(text: string): number {
  const port = Number(text)
  if (!/^\d+$/.test(text) || port > 65535) throw new InvalidArgumentError('expected a port number (0-65535)')
  return port
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('start the hub (migrates the database first)')
    .option('--host <host>', 'address to bind (default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default 3003)', parsePortFlag)
    .option('--config <file>', 'configuration file (default ./junction.config.json)')
    .action(async (flags: StartFlags) => {
      const options = readOptions(flags)
      const logger = createLogger()
      const hub = await openHub(options, logger)
      let server: Awaited<ReturnType<typeof listen>>
      try {
        await ensureFirstApiKey(hub, {
          isTerminal: process.stdout.isTTY === true,
          print: (line) => process.stdout.write(line),
        })
        const app = createApp({ apiKeys: hub.apiKeys, database: hub.database, logger })
        server = await listen(app, { host: options.host, port: options.port })
      } catch (error) {
        await hub.close()
        throw error
      }
      logger.info({ url: server.url, mode: options.mode, database: hub.database.backend }, 'Junction is listening')

      let stopping = false
      const stop = (signal: string) => {
        if (stopping) {
          logger.warn({ signal }, 'second signal: exiting at once')
          process.exit(1)
        }
        stopping = true
        logger.info({ signal }, 'stopping: finishing requests in flight')
        server
          .close()
          .then(() => hub.close())
          .then(
            () => {
              logger.info('stopped')
              process.exit(0)
            },
            (error: unknown) => {
              logger.error({ err: error }, 'failed to stop cleanly')
              process.exit(1)
            },
          )
      }
      process.on('SIGINT', () => stop('SIGINT'))
      process.on('SIGTERM', () => stop('SIGTERM'))
    })
}
