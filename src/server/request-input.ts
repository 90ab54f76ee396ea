/** @module Reading request input: JSON bodies validated with zod, and list paging parameters. */
import type { Context } from 'hono'
import { z } from 'zod'
import { JunctionError } from '../core/errors.js'
import { describeIssue } from '../core/zod-issue.js'
import { defaultPageSize, maxPageSize } from '../storage/cursor.js'

/** Parses the body as JSON (400 `invalid_json` when it is not) and validates it (400 `invalid_request`). */
export async function readJsonBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.infer<T>> {
  const text = await c.req.text()
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new JunctionError('invalid_json', 'the request body is not valid JSON')
  }
  return validate(schema, value, 'body')
}

const pagingSchema = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(maxPageSize))
    .optional(),
  cursor: z.string().min(1).max(200).optional(),
})

/** `limit` (default 50, at most 500) and `cursor` from the query string; other parameters are refused. */
export function readPaging(c: Context): { limit: number; cursor: string | undefined } {
  const query = validate(pagingSchema, c.req.query(), 'query')
  return { limit: query.limit ?? defaultPageSize, cursor: query.cursor }
}

function validate<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value, { reportInput: true })
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const path = issue === undefined || issue.path.length === 0 ? where : issue.path.map(String).join('.')
  throw new JunctionError('invalid_request', `${path}: ${issue === undefined ? 'invalid' : describeIssue(issue)}`)
}
