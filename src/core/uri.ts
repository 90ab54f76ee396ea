/** @module Percent-decoding that never throws (text that is not valid percent-encoding is kept as it came). */
export function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** The decoded name of one `name=value` pair of a raw query (`+` is a space). */
export function parameterName(pair: string): string {
  const equals = pair.indexOf('=')
  return decodeOrKeep((equals === -1 ? pair : pair.slice(0, equals)).replace(/\+/g, ' '))
}
