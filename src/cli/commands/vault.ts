/** @module `junction vault rotate`: re-seal every secret with the first key. */
import type { Command } from 'commander'
import { developmentKeyId, retireDevelopmentKeyFile } from '../../hub/vault-keys.js'
import { rotateSealedValues } from '../../vault/rotate.js'
import { type GlobalFlags, withHub } from '../cli-context.js'

export function registerVaultCommands(program: Command): void {
  const vault = program.command('vault').description('manage encryption of stored secrets')

  vault
    .command('rotate')
    .description('re-seal every secret with the first key of JUNCTION_ENCRYPTION_KEYS')
    .option('--config <file>', 'configuration file')
    .action(async (flags: GlobalFlags) => {
      await withHub(flags, async (hub) => {
        const report = await rotateSealedValues(hub.database.db, hub.vault)
        const left = Object.entries(report.remainingByKeyId).filter(([keyId]) => keyId !== hub.vault.sealingKeyId)
        process.stdout.write(`re-sealed ${report.resealed} values under key "${hub.vault.sealingKeyId}"\n`)
        process.stdout.write(
          left.length === 0
            ? 'no value is left under any other key\n'
            : `still under other keys (run again): ${left.map(([id, count]) => `${id}: ${count}`).join(', ')}\n`,
        )
        const file = hub.vaultKeys.developmentFile
        const fileKeyIsRetirable =
          hub.vault.sealingKeyId !== developmentKeyId && !report.remainingByKeyId[developmentKeyId]
        if (file !== undefined && fileKeyIsRetirable) {
          process.stdout.write(`the development key is no longer needed: moved to ${retireDevelopmentKeyFile(file)}\n`)
        }
      })
    })
}
