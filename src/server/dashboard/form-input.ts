/** @module Reading the dashboard's forms and filters: trimmed text, empty as absent. */
import type { Context } from 'hono'
import { isJunctionError } from '../../core/errors.js'
import { readForm } from '../request-input.js'

export async function formFields(c: Context): Promise<(name: string) => string | undefined> {
  const form = await readForm(c)
  return (name) => {
    const value = form[name]
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
  }
}

export function queryField(c: Context, name: string): string | undefined {
  const value = c.req.query(name)
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

/**
 * Runs an action; a JunctionError (written for callers) becomes the message to show, anything else is thrown on to
 * the app's error handler, which logs it and shows nothing of it.
 */
export async function attempt<T>(
  action: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; message: string }> {
  try {
    return { ok: true, value: await action() }
  } catch (error) {
    if (!isJunctionError(error)) throw error
    return { ok: false, message: error.message }
  }
}
