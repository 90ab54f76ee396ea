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

const pagingShape = {
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(maxPageSize))
    .optional(),
  cursor: z.string().min(1).max(200).optional(),
}

/** `limit` (default 50, at most 500) and `cursor` from the query string; other parameters are refused. */
/** A submitted form's text fields, as sent (files are left out); `invalid_request` when it cannot be read. */
export async function readForm(c: Context): Promise<Record<string, string>> {
  const form = await c.req.parseBody().catch(() => {
    throw new JunctionError('invalid_request', 'the form could not be read')
  })
  return Object.fromEntries(
    Object.entries(form).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  )
}

export function readPaging(c: Context): { limit: number; cursor: string | undefined } {
  return readListQuery(c, {})
}

/** A list's query: `limit`, `cursor` and the list's own optional string filters; anything else is refused. */
export function readListQuery<Filters extends Record<string, z.ZodOptional<z.ZodType<string>>>>(
  c: Context,
  filters: Filters,
): { limit: number; cursor: string | undefined } & { [K in keyof Filters]?: string } {
  const query = validate(z.strictObject({ ...pagingShape, ...filters }), c.req.query(), 'query') as Record<
    string,
    unknown
  >
  const { limit, cursor, ...rest } = query
  return {
    ...(rest as { [K in keyof Filters]?: string }),
    limit: (limit as number | undefined) ?? defaultPageSize,
    cursor: cursor as string | undefined,
  }
}

/** Validates any input against a schema, as a 400 `invalid_request` naming the field. */
export function validate<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value, { reportInput: true })
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const path = issue === undefined || issue.path.length === 0 ? where : issue.path.map(String).join('.')
  throw new JunctionError('invalid_request', `${path}: ${issue === undefined ? 'invalid' : describeIssue(issue)}`)
}
