/**
 * @module The egress rules (docs/configuration.md, "Egress"): which URLs and addresses outbound requests may reach. The address is
 * checked where the socket connects (a DNS lookup hook), so a name that resolves to a public address when checked
 * and to a private one when used (DNS rebinding) is still refused.
 * @see docs/security.md, "Egress"
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { BlockList, isIP } from 'node:net'
import { JunctionError } from '../core/errors.js'

export interface EgressPolicy {
  /** Permit `http://` URLs. */
  allowHttp: boolean
  /** Permit loopback, private, link-local, metadata and other non-public addresses. */
  allowPrivateNetworks: boolean
}

/** Addresses that are not the public internet: loopback, private, link-local (cloud metadata), CGNAT, and so on. */
const nonPublic = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  nonPublic.addSubnet(network, prefix, 'ipv4')
}
for (const [network, prefix] of [
  // IPv4-compatible (::a.b.c.d, deprecated), which also covers :: and ::1.
  ['::', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  // Teredo and 6to4 tunnel an IPv4 address (possibly a private one) inside.
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  nonPublic.addSubnet(network, prefix, 'ipv6')
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address)
  if (family === 4) return !nonPublic.check(address, 'ipv4')
  if (family !== 6) return false
  // An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged by its IPv4 part.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1]
  if (mapped !== undefined) return isPublicAddress(mapped)
  return !nonPublic.check(address, 'ipv6')
}

function egressBlocked(reason: string): JunctionError {
  return new JunctionError('egress_blocked', `outbound request refused: ${reason}`)
}

/**
 * Checks what can be checked before connecting: the scheme, and a host that is an IP literal (sockets to a literal
 * do no lookup). The URL parser has already turned forms like `0x7f.1` or `2130706433` into dotted decimals.
 */
export function assertUrlAllowed(url: URL, policy: EgressPolicy): void {
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw egressBlocked(`${url.protocol}// URLs are not allowed`)
  }
  if (url.username !== '' || url.password !== '') throw egressBlocked('URLs with credentials are not allowed')
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  if (!policy.allowPrivateNetworks && isIP(host) !== 0 && !isPublicAddress(host)) {
    throw egressBlocked(`${host} is not a public address`)
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/** A `lookup` for sockets that refuses names resolving to a non-public address (any of them). */
export function guardedLookup(policy: EgressPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '')
      const blocked = policy.allowPrivateNetworks
        ? undefined
        : addresses.find((entry) => !isPublicAddress(entry.address))
      if (blocked !== undefined) {
        return callback(egressBlocked(`${hostname} resolves to ${blocked.address}, not a public address`), '')
      }
      if (options.all) return callback(null, addresses)
      const first = addresses[0]
      if (first === undefined)
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '')
      return callback(null, first.address, first.family)
    })
  }
}
