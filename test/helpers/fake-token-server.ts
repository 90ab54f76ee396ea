/**
 * A provider's token and revocation endpoints on 127.0.0.1, strict like the strictest real ones: refresh tokens
 * rotate, and reusing an old one is refused (`invalid_grant`) and ends the whole grant. It records every call.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'

export interface TokenCall {
  path: string
  headers: IncomingMessage['headers']
  form: Record<string, string>
}

export interface FakeTokenServer {
  readonly url: string
  readonly calls: TokenCall[]
  /** Starts a grant: the refresh token a connection would hold after connecting. */
  grant(): string
  /** What the next refreshes answer: normally, with a failure, slowly, or without a new refresh token. */
  behave(
    mode:
      | { kind: 'ok' }
      | { kind: 'status'; status: number; body?: object }
      | { kind: 'slow'; ms: number }
      | { kind: 'no-rotation' },
  ): void
  /** The access tokens issued so far. */
  readonly issued: string[]
  /** Every refresh token handed out so far: by grant() and by each rotation. */
  readonly refreshTokens: string[]
  readonly revoked: string[]
  close(): Promise<void>
}

export async function startFakeTokenServer(options: { expiresIn?: number } = {}): Promise<FakeTokenServer> {
  const calls: TokenCall[] = []
  const issued: string[] = []
  const refreshTokens: string[] = []
  const revoked: string[] = []
  /** refresh token → grant id; a grant dies when one of its old tokens is replayed. */
  const current = new Map<string, string>()
  const retired = new Map<string, string>()
  const deadGrants = new Set<string>()
  let mode: Parameters<FakeTokenServer['behave']>[0] = { kind: 'ok' }

  const json = (response: ServerResponse, status: number, body: object) =>
    response
      .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify(body))

  const server = createServer((request, response) => {
    let text = ''
    request.on('data', (chunk) => {
      text += chunk
    })
    request.on('end', (): void => {
      const form = Object.fromEntries(new URLSearchParams(text))
      calls.push({ path: request.url ?? '', headers: request.headers, form })
      if (request.url === '/revoke') {
        if (mode.kind === 'status') {
          json(response, mode.status, mode.body ?? {})
          return
        }
        revoked.push(form.token ?? '')
        response.writeHead(200).end()
        return
      }
      if (mode.kind === 'status') {
        json(response, mode.status, mode.body ?? { error: 'server_error' })
        return
      }
      const answer = (): void => {
        if (form.grant_type === 'client_credentials') {
          const accessToken = `cc_${randomBytes(8).toString('hex')}`
          issued.push(accessToken)
          json(response, 200, {
            access_token: accessToken,
            token_type: 'Bearer',
            expires_in: options.expiresIn ?? 3600,
          })
          return
        }
        const presented = form.refresh_token ?? ''
        const grant = current.get(presented)
        if (grant === undefined || deadGrants.has(grant)) {
          const replayed = retired.get(presented)
          if (replayed !== undefined) deadGrants.add(replayed)
          json(response, 400, { error: 'invalid_grant', error_description: 'refresh token is invalid' })
          return
        }
        const accessToken = `at_${randomBytes(8).toString('hex')}`
        issued.push(accessToken)
        const body: Record<string, unknown> = {
          access_token: accessToken,
          token_type: 'Bearer',
          expires_in: options.expiresIn ?? 3600,
        }
        if (mode.kind !== 'no-rotation') {
          const next = `rt_${randomBytes(8).toString('hex')}`
          current.delete(presented)
          retired.set(presented, grant)
          current.set(next, grant)
          refreshTokens.push(next)
          body.refresh_token = next
        }
        json(response, 200, body)
      }
      if (mode.kind === 'slow') setTimeout(answer, mode.ms)
      else answer()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    issued,
    refreshTokens,
    revoked,
    grant() {
      const token = `rt_${randomBytes(8).toString('hex')}`
      current.set(token, `grant_${randomBytes(4).toString('hex')}`)
      refreshTokens.push(token)
      return token
    },
    behave(next) {
      mode = next
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
