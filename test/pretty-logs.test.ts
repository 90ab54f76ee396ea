/**
 * Readable logs on a terminal: the logger's `pretty` format writes one short line an entry (time, level, message,
 * fields) from the already-redacted JSON, so a secret never reaches a pretty line either; `json` stays one JSON
 * object a line. `junction start` picks pretty on a terminal and JSON elsewhere unless JUNCTION_LOG_FORMAT says.
 */
import { describe, expect, it } from 'vitest'
import { chooseLogFormat, createLogger, type LoggerOptions } from '../src/core/logger.js'

function capture(options: LoggerOptions) {
  const lines: string[] = []
  const logger = createLogger({ ...options, destination: { write: (line: string) => void lines.push(line) } })
  return { logger, output: () => lines.join('') }
}

const apiKey = `jnc_${'a'.repeat(43)}`

function logSecrets(logger: ReturnType<typeof createLogger>) {
  const error = Object.assign(new Error(`refused Bearer ${'t'.repeat(24)}`), { accessToken: 'at-secret-value' })
  logger.info(
    { integration: 'slack', refreshToken: 'rt-secret-value', nested: { clientSecret: 'cs-value' } },
    'refreshed',
  )
  logger.warn(`the key ${apiKey} was used from https://user:pw-secret@db.example/x`)
  logger.error({ err: error, url: 'https://api.example/cb?code=code-secret&state=s1' }, 'token request failed')
}

const secrets = ['rt-secret-value', 'cs-value', apiKey, 'pw-secret', 'at-secret-value', 't'.repeat(24), 'code-secret']

describe('pretty logs', () => {
  it('writes short lines with the time, level, message and fields, not JSON', () => {
    const { logger, output } = capture({ format: 'pretty' })
    logger.info(
      { url: 'http://localhost:3003/', mode: 'development' },
      'Junction is listening: open http://localhost:3003/',
    )
    const line = output()
    expect(line).toMatch(
      /^\[\d\d:\d\d:\d\d\] INFO: Junction is listening: open http:\/\/localhost:3003\/ \{"url":"http:\/\/localhost:3003\/","mode":"development"\}\n$/,
    )
    // No colour unless asked for.
    expect(line).not.toContain('\u001b[')
  })

  it('colours the level only when told to', () => {
    const { logger, output } = capture({ format: 'pretty', colorize: true })
    logger.warn('careful')
    expect(output()).toContain('\u001b[')
    expect(output()).toContain('careful')
  })

  it('never prints a secret: redaction runs before the line is made pretty', () => {
    const { logger, output } = capture({ format: 'pretty' })
    logSecrets(logger)
    const text = output()
    expect(text).toContain('refreshed')
    expect(text).toContain('[redacted]')
    expect(text).toContain('token request failed')
    expect(text.split('\n').filter((line) => line.startsWith('{'))).toEqual([])
    for (const secret of secrets) expect(text).not.toContain(secret)
  })

  it('keeps JSON lines, redacted the same way, in the json format', () => {
    const { logger, output } = capture({ format: 'json' })
    logSecrets(logger)
    const lines = output().trim().split('\n')
    expect(lines).toHaveLength(3)
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow()
    for (const secret of secrets) expect(output()).not.toContain(secret)
  })
})

describe('choosing the format', () => {
  it.each([
    [undefined, true, 'pretty'],
    [undefined, false, 'json'],
    ['', true, 'pretty'],
    ['json', true, 'json'],
    ['pretty', false, 'pretty'],
  ] as const)('JUNCTION_LOG_FORMAT=%s on a terminal: %s → %s', (setting, terminal, format) => {
    expect(chooseLogFormat(setting, terminal)).toBe(format)
  })

  it('refuses anything else, naming the variable', () => {
    expect(() => chooseLogFormat('yaml', true)).toThrow('config error at JUNCTION_LOG_FORMAT: expected pretty or json')
  })
})
