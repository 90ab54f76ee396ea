/** @module Short, value-free descriptions of zod issues for configuration and request errors. */
import type { z } from 'zod'

/**
 * Describes what is wrong without ever quoting the input: zod's own messages are not used because some of them
 * echo the value, and a config value may be a secret.
 */
export function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'required' : `expected ${issue.expected}`
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`
    case 'invalid_value':
      return `expected one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`
    case 'invalid_union':
      return 'does not match any allowed form'
    case 'too_small':
      return issue.origin === 'string'
        ? `must be at least ${issue.minimum} characters`
        : `must be at least ${issue.minimum}`
    case 'too_big':
      return issue.origin === 'string'
        ? `must be at most ${issue.maximum} characters`
        : `must be at most ${issue.maximum}`
    case 'invalid_format':
      return issue.format === 'url' ? 'expected a URL' : `expected the ${issue.format} format`
    case 'invalid_key':
      return 'invalid key'
    default:
      // Custom refinements carry messages written in this codebase, which never quote the value.
      return issue.message
  }
}
