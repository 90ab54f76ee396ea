/**
 * @module The process log: pino JSON lines, or short readable lines for a person at a terminal, with every argument
 * passed through redaction first.
 */
import { createRequire } from 'node:module'
import { pino } from 'pino'
import { ConfigError } from './config-error.js'
import { redactValue } from './redact.js'

export type Logger = pino.Logger

/** `json`: one JSON object a line, for programs. `pretty`: a short line with the time, level and message, for people. */
export type LogFormat = 'json' | 'pretty'

export interface LoggerOptions {
  /** @default 'info' */
  level?: string
  /** Where lines go; defaults to standard output. */
  destination?: pino.DestinationStream
  /** @default 'json' */
  format?: LogFormat
  /**
   * Colours in `pretty` lines (ANSI escapes).
   * @default false
   */
  colorize?: boolean
}

/**
 * Creates the logger. Redaction happens in pino's formatters, so no call site can forget it: secret-named fields
 * anywhere in the object become `[redacted]`, and token-shaped text in messages and strings is scrubbed. Pretty lines
 * are made from the redacted JSON line, in this thread and synchronously: nothing is left in a worker or a buffer
 * when the process exits.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true })
  return pino(
    {
      level: options.level ?? 'info',
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      ...redacting,
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? (redactValue(arg) as string) : arg))
          method.apply(this, scrubbed as Parameters<typeof method>)
        },
      },
    },
    options.format === 'pretty' ? prettyLines(destination, options.colorize ?? false) : destination,
  )
}

/** `[12:00:01] INFO: Junction is listening {"mode":"development"}`: one line an entry, an error's stack below it. */
function prettyLines(destination: pino.DestinationStream, colorize: boolean): pino.DestinationStream {
  // Loaded only for pretty lines (about 10 MiB of resident memory a hub logging JSON never needs).
  const { prettyFactory } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty')
  const prettify = prettyFactory({ colorize, translateTime: 'SYS:HH:MM:ss', singleLine: true })
  return { write: (line: string) => destination.write(prettify(line)) }
}

/**
 * The format of `junction start`'s log: `JUNCTION_LOG_FORMAT` when set (`pretty` or `json`), else pretty on a
 * terminal and JSON anywhere else (a pipe, a file, a log collector).
 */
export function chooseLogFormat(setting: string | undefined, isTerminal: boolean): LogFormat {
  if (setting === undefined || setting === '') return isTerminal ? 'pretty' : 'json'
  if (setting === 'pretty' || setting === 'json') return setting
  throw new ConfigError('JUNCTION_LOG_FORMAT', 'expected pretty or json')
}

/** Secret-named fields and token-shaped text in logged objects and errors become `[redacted]`. */
const redacting = {
  formatters: { log: (object: object) => redactValue(object) as Record<string, unknown> },
  serializers: { err: (error: unknown) => redactValue(error) },
}

/**
 * A child of an application's own pino logger (the library's `logger` option) that redacts logged objects and errors
 * as {@link createLogger} does. Junction's messages themselves are fixed text.
 */
export function redactingChild(logger: Logger): Logger {
  return logger.child({}, redacting)
}

/** A logger that drops everything: for library users who pass none, and for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
