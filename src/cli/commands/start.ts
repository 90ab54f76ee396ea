/** @module `junction start`: open the hub (migrating first), serve the API, and stop gracefully on a signal. */
import { existsSync } from 'node:fs'
import { type Command, InvalidArgumentError } from 'commander'
import type { JunctionOptions } from '../../config/config.js'
import type { BackgroundWork } from '../../connections/background.js'
import { chooseLogFormat, createLogger, type Logger } from '../../core/logger.js'
import { ensureFirstApiKey, initialApiKeyFile } from '../../hub/first-api-key.js'
import type { Hub } from '../../hub/hub.js'
import { openHub } from '../../hub/open-hub.js'
import { listen, type RunningServer } from '../../server/serve.js'
import { releaseHeldDataDirLocks } from '../../storage/data-dir-lock.js'
import { readOptions } from '../cli-context.js'
import { assertPortFree } from '../port-check.js'
import { stopInOrder } from '../stop-in-order.js'

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
      const logger = processLogger(process.env, process.stdout.isTTY === true)
      await assertPortFree(options.host, options.port)
      // However the process ends from here on, the data dir's lock goes with it.
      process.once('exit', releaseHeldDataDirLocks)
      const opening = stopWhileOpening(logger, defaultStopBounds)
      const hub = await openHub(options, logger).finally(opening.done)
      const running: Running = {}
      // From here on a signal stops cleanly, even while the first key is made or the socket bound.
      const stopOn = stopper(logger, hub, running)
      process.on('SIGINT', () => stopOn('SIGINT'))
      process.on('SIGTERM', () => stopOn('SIGTERM'))
      if (opening.signal !== undefined) {
        stopOn(opening.signal)
        return
      }
      try {
        await ensureFirstApiKey(hub, {
          isTerminal: process.stdout.isTTY === true,
          print: (line) => process.stdout.write(line),
        })
        const app = hub.app()
        running.server = await listen(app, {
          host: options.host,
          port: options.port,
          onError: (error) => logger.error({ err: error }, 'the HTTP server failed'),
        })
      } catch (error) {
        await hub.close()
        throw error
      }
      running.background = hub.startBackground()
      logStartLines(logger, options, { listening: running.server.url, database: hub.database.backend })
    })
}

/** Pretty lines on a terminal, JSON lines elsewhere, unless `JUNCTION_LOG_FORMAT` says which (docs/cli.md). */
function processLogger(env: NodeJS.ProcessEnv, isTerminal: boolean): Logger {
  const format = chooseLogFormat(env.JUNCTION_LOG_FORMAT, isTerminal)
  // Colours only for a terminal, and never when NO_COLOR is set (https://no-color.org).
  const colorize = format === 'pretty' && isTerminal && (env.NO_COLOR === undefined || env.NO_COLOR === '')
  return createLogger({ format, colorize })
}

/**
 * What a person needs once the hub answers: the dashboard's address, which is publicUrl (the origin its cookies and
 * links belong to, not the bound address), and in development the file holding the first API key to sign in with.
 */
function logStartLines(
  logger: Logger,
  options: Pick<JunctionOptions, 'publicUrl' | 'mode' | 'dataDir'>,
  facts: { listening: string; database: string },
): void {
  const dashboard = `${options.publicUrl}/`
  logger.info({ url: dashboard, ...facts, mode: options.mode }, `Junction is listening: open ${dashboard}`)
  const keyFile = initialApiKeyFile(options.dataDir)
  if (options.mode === 'development' && existsSync(keyFile))
    logger.info({ file: keyFile }, `sign in to the dashboard with the first API key, in ${keyFile}`)
}

/**
 * A signal while the hub opens (migrations, keys: seconds, or longer against a database that does not answer) is
 * kept and acted on once it has opened; if opening takes longer than the stop's bound, the process exits 1 (its lock
 * released on exit). A second signal exits at once.
 */
function stopWhileOpening(logger: Logger, bounds: StopBounds) {
  const state: { signal: string | undefined; done: () => void } = { signal: undefined, done: () => undefined }
  let giveUp: NodeJS.Timeout | undefined
  const onSignal = (signal: string) => {
    if (state.signal !== undefined) process.exit(1)
    state.signal = signal
    logger.info({ signal }, 'stopping once the hub has opened')
    giveUp = setTimeout(() => {
      process.stderr.write(`junction: stop timed out after ${bounds.totalMs / 1000} s while opening the hub\n`)
      process.exit(1)
    }, bounds.totalMs)
  }
  const onInt = () => onSignal('SIGINT')
  const onTerm = () => onSignal('SIGTERM')
  process.on('SIGINT', onInt)
  process.on('SIGTERM', onTerm)
  state.done = () => {
    clearTimeout(giveUp)
    process.off('SIGINT', onInt)
    process.off('SIGTERM', onTerm)
  }
  return state
}

interface Running {
  server?: RunningServer
  background?: BackgroundWork
}

/** How a stop is bounded: SIGTERM ends the process within 10 s in every state, a database gone silent included. */
export interface StopBounds {
  /**
   * How long requests in flight may finish before their connections are closed.
   * @default 3_000
   */
  requestGraceMs: number
  /**
   * How long the whole stop may take; past it the process exits 1 whatever is still open.
   * @default 8_000
   */
  totalMs: number
}

export const defaultStopBounds: StopBounds = Object.freeze({ requestGraceMs: 3_000, totalMs: 8_000 })

/**
 * Stops the server (finishing requests in flight), then the background work, then the hub (provider calls, call log,
 * database). Exits 0 when all of it closed in time; 1 when a step failed or the bound passed, with one line on
 * standard error naming the step. A second signal exits 1 at once.
 */
function stopper(logger: Logger, hub: Hub, running: Running, bounds: StopBounds = defaultStopBounds) {
  let stopping = false
  return (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting at once')
      process.exit(1)
    }
    stopping = true
    logger.info({ signal }, 'stopping: finishing requests in flight')
    const steps = [
      { name: 'finishing requests in flight', run: () => running.server?.close(bounds.requestGraceMs) },
      { name: 'stopping background work', run: () => running.background?.stop() },
      { name: 'closing provider calls, the call log and the database', run: () => hub.close() },
    ]
    void stopInOrder(steps, bounds.totalMs).then((outcome) => {
      if (outcome.ok) {
        logger.info('stopped')
        process.exit(0)
      }
      const timedOut = outcome.reason === 'timed_out'
      logger.error({ err: outcome.error, step: outcome.step }, timedOut ? 'stop timed out' : 'failed to stop cleanly')
      const what = timedOut ? `stop timed out after ${bounds.totalMs / 1000} s` : 'failed to stop cleanly'
      process.stderr.write(`junction: ${what} while ${outcome.step}\n`)
      process.exit(1)
    })
  }
}
