/** @module Small facts about addresses. */
import { isIP } from 'node:net'

/** True for `localhost` and loopback addresses (127.0.0.0/8, ::1): the only binds on which development mode holds. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  if (bare === 'localhost') return true
  if (isIP(bare) === 4) return bare.startsWith('127.')
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1'
  return false
}
