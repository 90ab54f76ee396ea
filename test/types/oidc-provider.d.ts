/** The little of oidc-provider 8 that the tests use (the package ships no types; @types tracks other majors). */
declare module 'oidc-provider' {
  import type { Server } from 'node:http'

  interface ClientLike {
    grantTypeAllowed(grant: string): boolean
  }

  export default class Provider {
    constructor(
      issuer: string,
      configuration: Record<string, unknown> & {
        issueRefreshToken?: (ctx: unknown, client: ClientLike) => Promise<boolean>
        findAccount?: (
          ctx: unknown,
          sub: string,
        ) => Promise<{ accountId: string; claims: () => Promise<Record<string, string>> }>
      },
    )
    listen(port: number, host: string): Server
    on(event: string, listener: (...args: unknown[]) => void): this
  }
}
