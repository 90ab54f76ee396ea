/** @module The process log: pino JSON lines, with every argument passed through redaction first. */
import { pino } from 'pino'
import { redactValue } from './redact.js'

export type Logger = pino.Logger

export interface LoggerOptions {
  /** @default 'info' */
  level?: string
  /** Where lines go; defaults to standard output. */
  destination?: pino.DestinationStream
}

/**
 * Creates the logger. Redaction happens in pino's formatters, so no call site can forget it: secret-named fields
 * anywhere in the object become `[redacted]`, and token-shaped text in messages and strings is scrubbed.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
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
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  )
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
