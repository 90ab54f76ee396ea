import { describe, expect, it } from 'vitest'
import { writeFailureReason } from './write-failures.js'

const coded = (code: string, cause?: unknown) => Object.assign(new Error(code, { cause }), { code })

describe('write failure reasons', () => {
  it.each([
    ['53100', 'disk_full'],
    ['ENOSPC', 'disk_full'],
    ['EDQUOT', 'disk_full'],
    ['25006', 'read_only'],
    ['EROFS', 'read_only'],
  ])('reads %s as %s, also when wrapped', (code, reason) => {
    expect(writeFailureReason(coded(code))).toBe(reason)
    expect(writeFailureReason(new Error('query failed', { cause: coded(code) }))).toBe(reason)
  })

  it('says nothing of other failures', () => {
    expect(writeFailureReason(coded('23505'))).toBeUndefined()
    expect(writeFailureReason(coded('ECONNREFUSED'))).toBeUndefined()
    expect(writeFailureReason('ENOSPC')).toBeUndefined()
  })
})
