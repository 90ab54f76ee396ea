/**
 * @module The call log's export: the rows a filter matches, newest first, as CSV or NDJSON, streamed a page at a
 * time with `Content-Disposition: attachment`. The fields are the API's `Log` (docs/http-api.md), never a call's
 * details. CSV follows RFC 4180, and a text cell that a spreadsheet would run as a formula (it starts with `=`, `+`,
 * `-`, `@`, a tab or a carriage return) is written with a leading `'`, as OWASP advises: a user id may be `=cmd|…`.
 * @see RFC 4180 §2, https://owasp.org/www-community/attacks/CSV_Injection
 */
import type { CallLog } from '../../logs/call-log-view.js'

export type ExportFormat = 'csv' | 'ndjson'

/** The columns, in order: the `Log` fields. */
export const exportColumns = [
  'createdAt',
  'id',
  'requestId',
  'integration',
  'userId',
  'method',
  'path',
  'status',
  'durationMs',
  'attempts',
  'rateLimitWaitMs',
  'error',
] as const satisfies ReadonlyArray<keyof CallLog>

const formulaStart = /^[=+\-@\t\r]/

/** One CSV cell: numbers as they are, text guarded against formulas and quoted when it holds `"`, `,`, CR or LF. */
export function csvCell(value: string | number | null): string {
  if (value === null) return ''
  if (typeof value === 'number') return String(value)
  const guarded = formulaStart.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded
}

export function csvLine(log: CallLog): string {
  return `${exportColumns.map((column) => csvCell(log[column])).join(',')}\r\n`
}

export const csvHeader = `${exportColumns.join(',')}\r\n`

export function ndjsonLine(log: CallLog): string {
  const row: Record<string, unknown> = {}
  for (const column of exportColumns) row[column] = log[column]
  return `${JSON.stringify(row)}\n`
}

export const exportTypes: Readonly<Record<ExportFormat, string>> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
}

/** `junction-calls-20261206T170500Z.csv`: a name that sorts by when the export was made. */
export function exportFileName(format: ExportFormat, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
  return `junction-calls-${stamp}.${format}`
}

/**
 * The export as a byte stream, pulled by the reader: a slow download reads the database no faster than it is sent.
 * A failure after the first bytes ends the stream with an error, so the download is seen to fail, not to be complete.
 */
export function exportStream(rows: AsyncGenerator<CallLog>, format: ExportFormat): ReadableStream<Uint8Array> {
  return textStream(rows, format === 'csv' ? csvHeader : '', format === 'csv' ? csvLine : ndjsonLine)
}

/** Rows as text, a header first (none when empty), pulled by the reader as {@link exportStream} says. */
export function textStream<Row>(
  rows: AsyncGenerator<Row>,
  header: string,
  line: (row: Row) => string,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let headerSent = header === ''
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true
          controller.enqueue(encoder.encode(header))
          return
        }
        // A batch of rows per chunk: one row per chunk would make a large export crawl.
        let text = ''
        for (let count = 0; count < 200; count++) {
          const next = await rows.next()
          if (next.done === true) {
            if (text !== '') controller.enqueue(encoder.encode(text))
            controller.close()
            return
          }
          text += line(next.value)
        }
        controller.enqueue(encoder.encode(text))
      },
      async cancel() {
        await rows.return(undefined)
      },
    },
    { highWaterMark: 0 },
  )
}
