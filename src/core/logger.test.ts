import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { redactingChild } from './logger.js'

describe('redactingChild', () => {
  it("redacts secret-named fields and errors logged through an application's own pino logger", () => {
    const lines: string[] = []
    const own = pino({ base: null }, { write: (line: string) => lines.push(line) })
    const error = Object.assign(new Error('refused'), { accessToken: 'tok-abc' })
    redactingChild(own).warn({ refreshToken: 'rt-secret', integration: 'slack', err: error }, 'refresh failed')
    const line = lines.join('')
    expect(line).toContain('"integration":"slack"')
    expect(line).toContain('refresh failed')
    expect(line).not.toContain('rt-secret')
    expect(line).not.toContain('tok-abc')
  })
})
