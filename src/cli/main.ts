/**
 * @module The `junction` command. Each command parses its input, calls the library and formats the answer.
 * Exit codes: 0 success, 1 a runtime failure, 2 bad usage; errors are one line on standard error.
 */
import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { isConfigError } from '../core/config-error.js'
import { isJunctionError } from '../core/errors.js'
import { redactText } from '../core/redact.js'
import { isDatabaseUnavailable } from '../storage/database-errors.js'
import { registerKeysCommands } from './commands/keys.js'
import { registerMigrateCommand } from './commands/migrate.js'
import { registerSandboxCommand } from './commands/sandbox.js'
import { registerStartCommand } from './commands/start.js'
import { registerVaultCommands } from './commands/vault.js'

export function buildProgram(): Command {
  const program = new Command('junction')
    .description('Junction: a self-hostable hub for third-party API integrations')
    .version(packageVersion(), '-v, --version', 'print the version of junction')
    .exitOverride()
  registerStartCommand(program)
  registerMigrateCommand(program)
  registerKeysCommands(program)
  registerVaultCommands(program)
  registerSandboxCommand(program)
  for (const command of program.commands) applyExitOverride(command)
  return program
}

/** The version in package.json, two folders up from this file both in `src/cli/` and in the built `dist/cli/`. */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return manifest.version
}

function applyExitOverride(command: Command): void {
  command.exitOverride()
  for (const sub of command.commands) applyExitOverride(sub)
}

/** Runs the CLI and returns the exit code (the caller exits; `start` keeps running until a signal). */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram()
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return 0
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed the usage error (or the help, whose exit code is 0).
      return error.exitCode === 0 ? 0 : 2
    }
    process.stderr.write(`${describeFailure(error)}\n`)
    // A request the command could not make sense of (an id of the wrong shape, an empty name) is bad usage.
    return isJunctionError(error) && error.code === 'invalid_request' ? 2 : 1
  }
}

function describeFailure(error: unknown): string {
  if (isConfigError(error)) return error.message
  if (isJunctionError(error))
    return isDatabaseUnavailable(error.cause) ? `${error.message}: the database is not answering` : error.message
  const message = error instanceof Error ? error.message : String(error)
  return redactText(message.split('\n')[0] ?? 'failed')
}
