/** @module `junction keys create|list|revoke`. */
import { type Command, Option } from 'commander'
import { type ApiKeyScope, apiKeyScopes, defaultApiKeyScope } from '../../api-keys/key-scope.js'
import { type GlobalFlags, withHub } from '../cli-context.js'

export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description("manage the hub's API keys")

  keys
    .command('create <name>')
    .description('create an API key; it is printed once, on standard output')
    .addOption(
      new Option('--scope <scope>', 'what the key may call: everything, reads under /v1, or /metrics')
        .choices(apiKeyScopes)
        .default(defaultApiKeyScope),
    )
    .option('--config <file>', 'configuration file')
    .action(async (name: string, flags: GlobalFlags & { scope: ApiKeyScope }) => {
      const { key, info } = await withHub(flags, (hub) => hub.apiKeys.create(name, flags.scope), { loadVault: false })
      process.stderr.write(`created ${info.scope} API key ${info.id} (${info.name}); it is shown only now\n`)
      process.stdout.write(`${key}\n`)
    })

  keys
    .command('list')
    .description('list active API keys (never the keys themselves)')
    .option('--config <file>', 'configuration file')
    .action(async (flags: GlobalFlags) => {
      const rows = await withHub(flags, (hub) => hub.apiKeys.listAll(), { loadVault: false })
      const lines = rows.map((key) => [
        key.id,
        key.name,
        key.scope,
        `${key.prefix}…`,
        key.createdAt,
        key.lastUsedAt ?? 'never',
      ])
      process.stdout.write(formatTable(['ID', 'NAME', 'SCOPE', 'PREFIX', 'CREATED', 'LAST USED'], lines))
    })

  keys
    .command('revoke <id>')
    .description('revoke an API key')
    .option('--config <file>', 'configuration file')
    .action(async (id: string, flags: GlobalFlags) => {
      await withHub(flags, (hub) => hub.apiKeys.revoke(id), { loadVault: false })
      process.stderr.write(`revoked API key ${id}\n`)
    })
}

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)))
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd()
  return `${[header, ...rows].map(line).join('\n')}\n`
}
