/**
 * @module One regular expression that finds a secret in the forms a provider may echo it in: as sent, JSON-escaped,
 * percent-encoded, as HTML character references, and base64 (standard or URL-safe) at any of its three byte
 * alignments inside a longer base64 string. The expression runs over bytes read as latin1 (one character per byte),
 * so binary bodies are matched without decoding them.
 *
 * Each character of the secret is matched in any of its forms independently, so mixtures (`encodeURIComponent`
 * leaving `'` alone, an encoder escaping `/` but not `+`) are found too. Letters and digits are matched as they are:
 * no JSON, URL or HTML encoder escapes them.
 * @see RFC 8259 §7 (JSON string escapes), RFC 3986 §2.1 (percent-encoding), RFC 4648 §4 and §5 (base64, base64url)
 * @see https://html.spec.whatwg.org/multipage/syntax.html#character-references
 */

/** HTML's named references for ASCII characters (`&sol;` for `/`), as encoders that use names emit them. */
const namedReferences: Readonly<Record<string, readonly string[]>> = {
  '\t': ['Tab'],
  '\n': ['NewLine'],
  '!': ['excl'],
  '"': ['quot', 'QUOT'],
  '#': ['num'],
  $: ['dollar'],
  '%': ['percnt'],
  '&': ['amp', 'AMP'],
  "'": ['apos'],
  '(': ['lpar'],
  ')': ['rpar'],
  '*': ['ast', 'midast'],
  '+': ['plus'],
  ',': ['comma'],
  '.': ['period'],
  '/': ['sol'],
  ':': ['colon'],
  ';': ['semi'],
  '<': ['lt', 'LT'],
  '=': ['equals'],
  '>': ['gt', 'GT'],
  '?': ['quest'],
  '@': ['commat'],
  '[': ['lsqb', 'lbrack'],
  '\\': ['bsol'],
  ']': ['rsqb', 'rbrack'],
  '^': ['Hat'],
  _: ['lowbar', 'UnderBar'],
  '`': ['grave', 'DiacriticalGrave'],
  '{': ['lcub', 'lbrace'],
  '|': ['verbar', 'vert', 'VerticalLine'],
  '}': ['rcub', 'rbrace'],
}

/** JSON's two-character escapes (RFC 8259 §7); `\/` is optional in JSON, and PHP and others emit it. */
const jsonShortEscapes: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
}

const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
/** base64url (RFC 4648 §5) writes `-` and `_` where base64 writes `+` and `/`. */
const urlSafe: Readonly<Record<string, string>> = { '+': '-', '/': '_' }

/** A secret's echo pattern, with the text any match must contain (to skip the expression on most bodies). */
export interface EchoPattern {
  /** A regular expression's source, with no flags needed: run it over a latin1 reading of the bytes. */
  readonly source: string
  /**
   * Latin1 texts, one of which every match contains (a run of letters and digits, which no encoder changes); absent
   * when the secret has no run long enough to be telling.
   */
  readonly anchors: readonly string[] | undefined
}

/** The shortest run of letters and digits worth searching for before running the whole expression. */
const shortestAnchor = 4

/**
 * Matches `secret` in every form this module knows.
 * @example new RegExp(echoPattern('tok/en1').source).test('{"t":"tok\\/en1"}') // true
 */
export function echoPattern(secret: string): EchoPattern {
  const bytes = Buffer.from(secret, 'utf8')
  // Base64 forms first: at one starting point, the longer match (one that begins with a partial character) wins.
  const parts = [...[1, 2, 0].map((alignment) => base64Pattern(bytes, alignment)), textPattern(secret)]
  const anchors = parts.map((part) => part.anchor)
  return {
    source: parts.map((part) => part.source).join('|'),
    anchors: anchors.every((anchor) => anchor.length >= shortestAnchor) ? anchors : undefined,
  }
}

/** The secret as text, each character in any of its forms. */
function textPattern(secret: string): { source: string; anchor: string } {
  const characters = Array.from(secret)
  return {
    source: characters.map(anyFormOf).join(''),
    anchor: longestRun(characters.map((character) => (isAlphanumeric(character) ? character : undefined))),
  }
}

/** The longest run of defined entries, joined. */
function longestRun(entries: readonly (string | undefined)[]): string {
  let longest = ''
  let current = ''
  for (const entry of entries) {
    current = entry === undefined ? '' : current + entry
    if (current.length > longest.length) longest = current
  }
  return longest
}

function isAlphanumeric(character: string): boolean {
  return /^[A-Za-z0-9]$/.test(character)
}

const formsOfCharacter = new Map<string, string>()

/** One character in any of its forms (the same few characters recur, so each is worked out once). */
function anyFormOf(character: string): string {
  let pattern = formsOfCharacter.get(character)
  if (pattern === undefined) {
    const raw = bytesPattern(Buffer.from(character, 'utf8'))
    const codePoint = character.codePointAt(0) ?? 0
    const forms = [raw, percentPattern(character), ...jsonPatterns(character, codePoint)]
    pattern = isAlphanumeric(character) ? raw : `(?:${[...forms, ...htmlPatterns(character, codePoint)].join('|')})`
    // Bounded: a secret may bring many distinct non-ASCII characters.
    if (formsOfCharacter.size < 512) formsOfCharacter.set(character, pattern)
  }
  return pattern
}

/** `%2F` or `%2f` for each UTF-8 byte, and `+` for a space (form encoding). */
function percentPattern(character: string): string {
  const encoded = [...Buffer.from(character, 'utf8')].map((byte) => `%${hexDigits(byte, 2)}`).join('')
  return character === ' ' ? `(?:${encoded}|\\+)` : encoded
}

/** `\u002F` (either case; a UTF-16 surrogate pair beyond the BMP), and the short escape where JSON has one. */
function jsonPatterns(character: string, codePoint: number): string[] {
  const units = codePoint > 0xffff ? [character.charCodeAt(0), character.charCodeAt(1)] : [codePoint]
  const unicode = units.map((unit) => `\\\\u${hexDigits(unit, 4)}`).join('')
  const short = jsonShortEscapes[character]
  return short === undefined ? [unicode] : [unicode, bytesPattern(Buffer.from(short, 'utf8'))]
}

/** `&#47;`, `&#x2F;` (any case, leading zeros), and a named reference for ASCII; the `;` may be left off. */
function htmlPatterns(character: string, codePoint: number): string[] {
  const named = (namedReferences[character] ?? []).map((name) => `&${bytesPattern(Buffer.from(name))};?`)
  return [`&#0*${codePoint};?`, `&#[xX]0*${hexDigits(codePoint, 1)};?`, ...named]
}

/**
 * The secret's base64 when its first byte sits at `alignment` (0, 1 or 2) within a 3-byte group of a longer string.
 * Characters that carry only the secret's bits are matched exactly; a character shared with the bytes before or after
 * it is matched by the set of characters it could be (so that no bit of the secret is left in clear).
 */
function base64Pattern(bytes: Buffer, alignment: number): { source: string; anchor: string } {
  // Zero bytes stand for whatever precedes the secret; the encoder fills the last character's free bits with zeros.
  const encoded = Buffer.concat([Buffer.alloc(alignment), bytes])
    .toString('base64')
    .replace(/=+$/, '')
  const firstBit = alignment * 8
  const endBit = firstBit + bytes.length * 8
  const exactFrom = Math.ceil(firstBit / 6)
  const exactTo = Math.floor(endBit / 6)
  const exact = encoded.slice(exactFrom, exactTo)
  let source = Array.from(exact, base64CharacterPattern).join('')
  // A shared character may be missing (the echo cut short): the secret's own characters are matched regardless.
  if (exactFrom > 0) {
    // Its high bits are the preceding bytes' (any), its low bits the secret's first ones.
    const ownBits = 6 - (firstBit - (exactFrom - 1) * 6)
    const own = base64Value(encoded[exactFrom - 1]) & ((1 << ownBits) - 1)
    source = `${sharedCharacterPattern(2 ** (6 - ownBits), (free) => (free << ownBits) | own)}?${source}`
  }
  if (exactTo * 6 < endBit) {
    // Its high bits are the secret's last ones, its low bits the following bytes' (any).
    const freeBits = 6 - (endBit - exactTo * 6)
    const own = base64Value(encoded[exactTo])
    source = `${source}${sharedCharacterPattern(2 ** freeBits, (free) => own | free)}?`
  }
  // Padding carries no bits; it is taken along so that a standalone echo goes whole.
  const padding = '(?:=|%3[dD]|\\\\u003[dD]|&#0*61;?|&#[xX]0*3[dD];?|&equals;?){0,2}'
  return {
    source: `${source}${padding}`,
    anchor: longestRun(Array.from(exact, (c) => (isAlphanumeric(c) ? c : undefined))),
  }
}

function base64Value(character: string | undefined): number {
  return base64Alphabet.indexOf(character ?? 'A')
}

/** A character that is any of `count` values, `valueAt(0..count-1)`. */
function sharedCharacterPattern(count: number, valueAt: (free: number) => number): string {
  const alternatives = Array.from({ length: count }, (_, free) =>
    base64CharacterPattern(base64Alphabet[valueAt(free)] ?? ''),
  )
  return `(?:${alternatives.join('|')})`
}

/** One base64 character, in either alphabet, and in any text form when it is `+` or `/`. */
function base64CharacterPattern(character: string): string {
  const other = urlSafe[character]
  return other === undefined ? anyFormOf(character) : `(?:${anyFormOf(character)}|${anyFormOf(other)})`
}

/** `value` in hexadecimal, at least `width` digits, each letter in either case. */
function hexDigits(value: number, width: number): string {
  return Array.from(value.toString(16).padStart(width, '0'), (digit) =>
    /[a-f]/.test(digit) ? `[${digit}${digit.toUpperCase()}]` : digit,
  ).join('')
}

/** Bytes as a pattern over latin1 text: letters and digits as they are, any other byte as `\xHH`. */
function bytesPattern(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) =>
    /[A-Za-z0-9]/.test(String.fromCharCode(byte))
      ? String.fromCharCode(byte)
      : `\\x${byte.toString(16).padStart(2, '0')}`,
  ).join('')
}
