/** @module `junction sandbox [--port N]`: the sandbox provider on its own, for trying integrations offline. */
import type { Command } from 'commander'
import { createLogger } from '../../core/logger.js'
import { createSandboxApp, sandboxClient } from '../../sandbox/sandbox-app.js'
import { loadSandboxSecret } from '../../sandbox/sandbox-secret.js'
import { listen } from '../../server/serve.js'
import { readOptions } from '../cli-context.js'
import { parsePortFlag } from './start.js'

export function registerSandboxCommand(program: Command): void {
  program
    .command('sandbox')
    .description('run the sandbox provider on its own (an offline OAuth server and API)')
    .option('--port <port>', 'port to listen on (default 3004)', parsePortFlag)
    .option('--config <file>', 'configuration file (its sandbox settings are used)')
    .action(async (flags: { port?: number; config?: string }) => {
      const options = readOptions({ config: flags.config })
      const logger = createLogger()
      const secret = loadSandboxSecret(options.dataDir)
      const server = await listen(createSandboxApp(secret, options.sandboxConfig), {
        host: options.host,
        port: flags.port ?? 3004,
      })
      const client = sandboxClient(secret)
      logger.info({ url: server.url, clientId: client.clientId }, 'the sandbox provider is listening')
      // The sandbox's client secret protects nothing real; it is shown so that a hub can be configured against it.
      process.stdout.write(
        `Sandbox provider at ${server.url}\n  authorize: ${server.url}/oauth/authorize\n  token:     ${server.url}/oauth/token\n` +
          `  api:       ${server.url}/api\n  client id: ${client.clientId}\n  client secret: ${client.clientSecret}\n`,
      )
      const stop = () => {
        void server.close().then(() => process.exit(0))
      }
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    })
}
