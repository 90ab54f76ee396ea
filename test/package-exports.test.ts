/** The package's entry points as users import them: `junction`, `junction/http` and `junction/webhooks`, from the built files. */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')

function importFromPackage(specifier: string, expression: string): string {
  const script = `const m = await import(${JSON.stringify(specifier)}); console.log(${expression})`
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' }).trim()
}

describe('package entry points', () => {
  it('exports the HTTP client, its errors and the limiter from junction/http', () => {
    const names = importFromPackage(
      'junction/http',
      "['createHttpClient','HttpError','isJunctionError','decideRetry','createRateLimiter'].map((n) => typeof m[n]).join()",
    )
    expect(names).toBe('function,function,function,function,function')
  })

  it('exports verification and signing from junction/webhooks, and they work from the built files', () => {
    const names = importFromPackage(
      'junction/webhooks',
      "['verifyWebhook','signWebhook','verifyJunctionEvent','isJunctionError'].map((n) => typeof m[n]).join()",
    )
    expect(names).toBe('function,function,function,function')
    const roundTrip = importFromPackage(
      'junction/webhooks',
      "m.verifyWebhook({ scheme: 'standard-webhooks', secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'], body: '{}', headers: m.signWebhook({ scheme: 'standard-webhooks', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', body: '{}', id: 'msg_1' }) }).eventId",
    )
    expect(roundTrip).toBe('msg_1')
  })

  it('exports the errors from junction', () => {
    expect(importFromPackage('junction', "typeof m.JunctionError + ' ' + typeof m.isJunctionError")).toBe(
      'function function',
    )
  })

  it("exports createJunction and the typed clients' errors from junction", () => {
    const names = importFromPackage(
      'junction',
      "['createJunction','HttpError','ProviderApiError','isProviderApiError','ConfigError'].map((n) => typeof m[n]).join()",
    )
    expect(names).toBe('function,function,function,function,function')
  })
})
