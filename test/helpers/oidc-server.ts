/**
 * A real OAuth 2.0 / OpenID Connect server for tests: the `oidc-provider` package (8.8.1, the last for Node 20) on
 * 127.0.0.1, with PKCE required, refresh tokens on every grant and rotated on every use, and its development login
 * and consent pages, which tests drive without a browser.
 */
import type { AddressInfo } from 'node:net'
import Provider from 'oidc-provider'

export interface OidcServer {
  readonly issuer: string
  readonly clientId: string
  readonly clientSecret: string
  close(): Promise<void>
}

export async function startOidcServer(redirectUri: string): Promise<OidcServer> {
  const clientId = 'junction-test'
  const clientSecret = 'oidc-client-secret-value'
  // The issuer must be known before listening: take a free port first.
  const probe = (await import('node:net')).createServer()
  const port = await new Promise<number>((resolve) =>
    probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port)),
  )
  await new Promise((resolve) => probe.close(resolve))
  const issuer = `http://127.0.0.1:${port}`
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true, methods: ['S256'] },
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    features: { devInteractions: { enabled: true }, revocation: { enabled: true } },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    cookies: { keys: ['test-cookie-key-not-a-secret'] },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      RefreshToken: 86_400,
      Session: 600,
      Interaction: 600,
      Grant: 86_400,
    },
  })
  // Its warnings about development keys and adapters are expected in tests.
  provider.on('server_error', () => undefined)
  const server = provider.listen(port, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  return {
    issuer,
    clientId,
    clientSecret,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.()
        server.close(() => resolve())
      }),
  }
}
