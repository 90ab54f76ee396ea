/**
 * One Junction per server process, shared by the route handler and the app's own server code. Next.js re-evaluates
 * modules on reload in development, so the instance is kept on `globalThis`: two instances would fight over the data
 * dir's lock.
 */
import { createJunction, type Junction } from 'junction'

const shared = globalThis as typeof globalThis & { junction?: Promise<Junction> }

export function getJunction(): Promise<Junction> {
  shared.junction ??= createJunction({
    config: './junction.config.json', // its publicUrl ends with /junction, e.g. https://app.example.com/junction
    dataDir: './.junction', // or databaseUrl: process.env.DATABASE_URL
    encryptionKeys: process.env.JUNCTION_ENCRYPTION_KEYS,
    mode: process.env.NODE_ENV === 'production' ? 'production' : 'development',
    basePath: '/junction',
    // `{ "env": "SLACK_CLIENT_SECRET" }` in the config resolves from here; the library itself reads no variable.
    secrets: process.env,
  }).catch((error: unknown) => {
    // A failed start is not kept: the next request tries again (after the configuration or database is fixed).
    delete shared.junction
    throw error
  })
  return shared.junction
}
