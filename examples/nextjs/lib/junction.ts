/**
 * One Junction per server process, shared by the route handlers. Next.js re-evaluates modules on reload in
 * development, so the instance is kept on `globalThis`: two instances would fight over the data dir's lock.
 * On the built-in sandbox provider (development mode, embedded database in ./.junction), so nothing else is needed.
 */
import { createJunction, type Junction } from 'junction'

const shared = globalThis as typeof globalThis & { junction?: Promise<Junction> }

/** Where the app is reached (`next dev` serves it on port 3000). */
export const appUrl = `http://127.0.0.1:${process.env.PORT ?? 3000}`

/** Whoever your app's session says is signed in (stubbed here). */
export const userId = 'u_1'

export function getJunction(): Promise<Junction> {
  shared.junction ??= createJunction({
    // No integration configured: development serves the sandbox one. publicUrl is where handle() is reached.
    config: { publicUrl: `${appUrl}/junction`, allowedReturnUrls: [`${appUrl}/`] },
    dataDir: process.env.JUNCTION_DATA_DIR ?? './.junction', // or databaseUrl: process.env.DATABASE_URL
    mode: 'development',
    basePath: '/junction',
  }).catch((error: unknown) => {
    // A failed start is not kept: the next request tries again (after the configuration or database is fixed).
    delete shared.junction
    throw error
  })
  return shared.junction
}
