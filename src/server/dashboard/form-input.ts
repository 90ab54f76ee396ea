/**
 * @module Reading the dashboard's forms and filters (trimmed text, empty as absent), and answering a form with a
 * redirect to a page that shows its outcome.
 */
import type { Context } from 'hono'
import { isJunctionError } from '../../core/errors.js'
import { readForm } from '../request-input.js'
import type { DashboardEnv, DashboardRecord } from './dashboard-env.js'
import type { Notice } from './layout.js'
import type { PageRecords } from './page-records.js'

/** A form's fields by name: trimmed, empty as absent; `raw` as typed (a body whose lines and columns matter). */
export interface FormFields {
  (name: string): string | undefined
  raw(name: string): string | undefined
}

export async function formFields(c: Context): Promise<FormFields> {
  const form = await readForm(c)
  const raw = (name: string) => {
    const value = form[name]
    return typeof value === 'string' ? value : undefined
  }
  const trimmed = (name: string) => {
    const value = raw(name)?.trim()
    return value === '' ? undefined : value
  }
  return Object.assign(trimmed, { raw })
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

/**
 * The answer to a form (Post/Redirect/Get): a 303 to the page at `path`, which shows `record` (a notice, a result, a
 * new key) by the id added to its query. A reload of that page repeats nothing.
 */
export async function redirectShowing(
  c: Context<DashboardEnv>,
  records: PageRecords<DashboardRecord>,
  path: string,
  record: DashboardRecord,
  options: { once?: boolean } = {},
): Promise<Response> {
  const id = await records.keep(c.get('sessionId'), record, options)
  const hashAt = path.indexOf('#')
  const [target, hash] = hashAt === -1 ? [path, ''] : [path.slice(0, hashAt), path.slice(hashAt)]
  return c.redirect(`${target}${target.includes('?') ? '&' : '?'}shown=${id}${hash}`, 303)
}

/** The record a page was redirected to show, if it is still kept for this session. */
export async function shownRecord(
  c: Context<DashboardEnv>,
  records: PageRecords<DashboardRecord>,
): Promise<DashboardRecord | undefined> {
  return records.read(c.get('sessionId'), queryField(c, 'shown'))
}

/**
 * What a page says of the record it was sent to show: the record's notice, or, when the record is gone (expired, read
 * once already, or kept for another session), that the form's outcome is no longer shown here.
 */
export function noticeOf(c: Context<DashboardEnv>, record: DashboardRecord | undefined): Notice | undefined {
  if (record?.kind === 'notice') return record.notice
  if (record === undefined && queryField(c, 'shown') !== undefined)
    return {
      kind: 'ok',
      text: 'The outcome of that form is no longer shown here (it is kept for 10 minutes); what it did is done.',
    }
  return undefined
}
