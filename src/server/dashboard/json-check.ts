/**
 * @module Where a text stops being JSON (RFC 8259), said as line and column, for "Try a request": the message names
 * the spot, where V8's own message sometimes names none and quotes the whole input back. Iterative (an explicit stack
 * of open containers), so a deeply nested body cannot overflow the call stack.
 * @see RFC 8259 §2–§7
 */

export interface JsonProblem {
  /** 1-based line and column of the first character that does not fit (or of the end, when the text stops short). */
  line: number
  column: number
  /** What was expected there, in a few words. */
  reason: string
}

/** The first place `text` is not JSON, or `undefined` when it is. */
export function findJsonProblem(text: string): JsonProblem | undefined {
  const at = scan(text)
  return at === undefined ? undefined : { ...lineAndColumn(text, at.index), reason: at.reason }
}

/** One sentence for people: `line 3, column 3: expected ',' or '}'`. */
export function describeJsonProblem(problem: JsonProblem): string {
  return `line ${problem.line}, column ${problem.column}: ${problem.reason}`
}

const whitespace = new Set([' ', '\t', '\n', '\r'])
const number = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
const escapes = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't'])

function scan(text: string): { index: number; reason: string } | undefined {
  const open: Array<'array' | 'object'> = []
  let i = 0
  const skipWhitespace = () => {
    while (i < text.length && whitespace.has(text[i] as string)) i++
  }
  const fail = (reason: string) => ({ index: i, reason: i >= text.length ? `${reason}, found the end` : reason })

  /** Reads a string at `i` (which is a quote); the failure, if any. */
  const readString = (): { index: number; reason: string } | undefined => {
    i++
    while (i < text.length) {
      const character = text[i] as string
      if (character === '"') {
        i++
        return undefined
      }
      if (character.charCodeAt(0) < 0x20) return fail('a line break or control character inside a string')
      if (character === '\\') {
        const escaped = text[i + 1]
        if (escaped === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return fail('\\u needs four hex digits')
          i += 6
          continue
        }
        if (escaped === undefined || !escapes.has(escaped)) return fail('an unknown escape in a string')
        i += 2
        continue
      }
      i++
    }
    return fail('a string that is not closed with "')
  }

  /** Reads an object's key and its colon; the failure, if any. */
  const readKey = (): { index: number; reason: string } | undefined => {
    skipWhitespace()
    if (text[i] !== '"') return fail('expected a property name in double quotes')
    const failed = readString()
    if (failed !== undefined) return failed
    skipWhitespace()
    if (text[i] !== ':') return fail("expected ':' after the property name")
    i++
    return undefined
  }

  for (;;) {
    // A value.
    skipWhitespace()
    const character = text[i]
    if (character === '{' || character === '[') {
      i++
      skipWhitespace()
      const closing = character === '{' ? '}' : ']'
      if (text[i] === closing) {
        i++
      } else {
        open.push(character === '{' ? 'object' : 'array')
        if (character === '{') {
          const failed = readKey()
          if (failed !== undefined) return failed
        }
        continue
      }
    } else if (character === '"') {
      const failed = readString()
      if (failed !== undefined) return failed
    } else if (character !== undefined && (character === '-' || (character >= '0' && character <= '9'))) {
      number.lastIndex = i
      const match = number.exec(text)
      if (match === null) return fail('a number that is not written as JSON')
      i += match[0].length
    } else {
      const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i))
      if (literal === undefined) return fail('expected a value (an object, array, string, number, true, false or null)')
      i += literal.length
    }

    // After a value: the next element, the end of containers, or the end of the text.
    for (;;) {
      skipWhitespace()
      const container = open.at(-1)
      if (container === undefined) return i < text.length ? fail('more text after the JSON value') : undefined
      const closing = container === 'object' ? '}' : ']'
      if (text[i] === closing) {
        open.pop()
        i++
        continue
      }
      if (text[i] !== ',') return fail(`expected ',' or '${closing}'`)
      i++
      if (container === 'object') {
        const failed = readKey()
        if (failed !== undefined) return failed
      }
      break
    }
  }
}

function lineAndColumn(text: string, index: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < index && i < text.length; i++) {
    if (text[i] === '\n') {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: index - lineStart + 1 }
}
