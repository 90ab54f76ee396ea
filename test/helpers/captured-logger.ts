/** A real pino logger whose lines are kept in memory, so that suites can scan them for secrets. */
import { createLogger, type Logger } from '../../src/core/logger.js'

export function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = []
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(line) } })
  return { logger, lines }
}
