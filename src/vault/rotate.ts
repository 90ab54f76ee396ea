/**
 * @module Re-seals every sealed value under the vault's first key, in small batches so that no request waits long
 * behind it. Each write is a compare-and-swap on the value it read (and the row's version counter where there is
 * one), so a refresh that lands meanwhile is never overwritten: its row is simply read again on the next pass.
 * Interrupted, it can be run again: it only touches values not yet under the first key.
 *
 * It does not bump the version counter: a refresh that holds a lease writes with compare-and-swap on the version it
 * read, and must not fail because a rotation passed by (the provider may already have rotated the refresh token).
 * Its value, sealed under its own first key, simply replaces ours.
 */
import { type Kysely, sql } from 'kysely'
import { JunctionError } from '../core/errors.js'
import type { Schema } from '../storage/schema.js'
import { type SealedColumn, sealedColumns } from '../storage/sealed-columns.js'
import type { SealContext, Vault } from './vault.js'

export interface RotateOptions {
  /** @default 100 */
  batchSize?: number
  /** Passes over the tables while concurrent writes keep changing rows under it. @default 5 */
  maxPasses?: number
  columns?: readonly SealedColumn[]
  /** Called after a batch is read and before it is written (progress reporting; tests write concurrently here). */
  onBatchRead?: (batch: { table: string; rowIds: readonly string[] }) => Promise<void> | void
}

export interface RotateReport {
  /** Values this run re-sealed. */
  resealed: number
  /** Values left under each key id after the run, over all sealed columns. */
  remainingByKeyId: Record<string, number>
}

interface SealedRow {
  id: string
  sealed: string
  version: number | null
}

export async function rotateSealedValues(
  db: Kysely<Schema>,
  vault: Vault,
  options: RotateOptions = {},
): Promise<RotateReport> {
  const columns = options.columns ?? sealedColumns
  const maxPasses = options.maxPasses ?? 5
  let resealed = 0
  for (let pass = 0; pass < maxPasses; pass++) {
    let changedUnderUs = 0
    for (const column of columns) {
      const outcome = await rotateColumn(db, vault, column, options)
      resealed += outcome.resealed
      changedUnderUs += outcome.changedUnderUs
    }
    if (changedUnderUs === 0) break
  }
  return { resealed, remainingByKeyId: await countByKeyId(db, columns) }
}

async function rotateColumn(
  db: Kysely<Schema>,
  vault: Vault,
  target: SealedColumn,
  options: RotateOptions,
): Promise<{ resealed: number; changedUnderUs: number }> {
  const batchSize = options.batchSize ?? 100
  const table = sql.table(target.table)
  const column = sql.ref(target.column)
  const version = target.versionColumn === undefined ? sql`null` : sql.ref(target.versionColumn)
  let after = '00000000-0000-0000-0000-000000000000'
  let resealed = 0
  let changedUnderUs = 0
  for (;;) {
    const { rows } = await sql<SealedRow>`
      select id::text as id, ${column} as sealed, ${version} as version from ${table}
      where id > ${after}::uuid and ${column} is not null and split_part(${column}, '.', 2) <> ${vault.sealingKeyId}
      order by id limit ${batchSize}`.execute(db)
    if (rows.length === 0) break
    await options.onBatchRead?.({ table: target.table, rowIds: rows.map((row) => row.id) })
    for (const row of rows) {
      const context = { table: target.table, rowId: row.id, column: target.column }
      const fresh = vault.seal(openForRotation(vault, row.sealed, context), context)
      const versionCheck =
        target.versionColumn === undefined ? sql`` : sql`and ${sql.ref(target.versionColumn)} = ${row.version}`
      const result = await sql`
        update ${table} set ${column} = ${fresh}
        where id = ${row.id}::uuid and ${column} = ${row.sealed} ${versionCheck}`.execute(db)
      if (Number(result.numAffectedRows ?? 0) === 1) resealed++
      else changedUnderUs++
    }
    after = rows[rows.length - 1]?.id ?? after
  }
  return { resealed, changedUnderUs }
}

function openForRotation(vault: Vault, sealed: string, context: SealContext): string {
  try {
    return vault.open(sealed, context)
  } catch (error) {
    // Name the row, so that the operator can find it; rotation stops rather than skipping a value it cannot read.
    throw new JunctionError(
      'internal_error',
      `cannot re-seal ${context.table} row ${context.rowId}: ${(error as Error).message}`,
      {
        cause: error,
      },
    )
  }
}

async function countByKeyId(db: Kysely<Schema>, columns: readonly SealedColumn[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const target of columns) {
    const column = sql.ref(target.column)
    const { rows } = await sql<{ key_id: string; count: number }>`
      select split_part(${column}, '.', 2) as key_id, count(*)::int as count from ${sql.table(target.table)}
      where ${column} is not null group by 1`.execute(db)
    for (const row of rows) counts[row.key_id] = (counts[row.key_id] ?? 0) + row.count
  }
  return counts
}
