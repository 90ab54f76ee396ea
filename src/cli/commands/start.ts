/** @module `junction start`: open the hub (migrating first), serve the API, and stop gracefully on a signal. */
import { type Command, InvalidArgumentError } from 'commander'
import type { BackgroundWork } from '../../connections/background.js'
import { createLogger, type Logger } from '../../core/logger.js'
import { ensureFirstApiKey } from '../../hub/first-api-key.js'
import { createHubApp } from '../../hub/hub-app.js'
import { startHubBackgroundWork } from '../../hub/hub-background.js'
import { type Hub, openHub } from '../../hub/open-hub.js'
import { listen, type RunningServer } from '../../server/serve.js'
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
      const running: Running = {}
      // From here on a signal stops cleanly, even while the first key is made or the socket bound.
      const stopOn = stopper(logger, hub, running)
      process.on('SIGINT', () => stopOn('SIGINT'))
      process.on('SIGTERM', () => stopOn('SIGTERM'))
      try {
        await ensureFirstApiKey(hub, {
          isTerminal: process.stdout.isTTY === true,
          print: (line) => process.stdout.write(line),
        })
        const app = createHubApp(hub)
        running.server = await listen(app, {
          host: options.host,
          port: options.port,
          onError: (error) => logger.error({ err: error }, 'the HTTP server failed'),
        })
      } catch (error) {
        await hub.close()
        throw error
      }
      running.background = startHubBackgroundWork(hub)
      logger.info(
        { url: running.server.url, mode: options.mode, database: hub.database.backend },
        'Junction is listening',
      )
    })
}

/** Stops the server (finishing requests in flight), then the hub; a second signal exits at once. */
interface Running {
  server?: RunningServer
  background?: BackgroundWork
}

function stopper(logger: Logger, hub: Hub, running: Running) {
  let stopping = false
  return (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting at once')
      process.exit(1)
    }
    stopping = true
    logger.info({ signal }, 'stopping: finishing requests in flight')
    Promise.resolve(running.server?.close())
      .then(() => running.background?.stop())
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
}
