/**
 * @module Every column that holds sealed values, for `junction vault rotate`. A migration that adds such a column
 * adds a line here; the rotation test checks that each listed column is re-sealed.
 */
export interface SealedColumn {
  readonly table: string
  readonly column: string
  /** A counter bumped by every other writer of the column, checked as well as the value itself. */
  readonly versionColumn?: string
}

export const sealedColumns: readonly SealedColumn[] = [
  { table: 'connections', column: 'credentials', versionColumn: 'credentials_version' },
  { table: 'connect_sessions', column: 'pkce_verifier' },
  { table: 'pending_revocations', column: 'token' },
  { table: 'page_records', column: 'value' },
]
