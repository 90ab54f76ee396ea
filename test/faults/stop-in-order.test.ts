/** The steps of `junction start`'s stop: in order, within one bound, naming the step under way when it fails. */
import { describe, expect, it } from 'vitest'
import { stopInOrder } from '../../src/cli/stop-in-order.js'

describe('stopInOrder', () => {
  it('runs every step in order and says so', async () => {
    const ran: string[] = []
    const outcome = await stopInOrder(
      ['server', 'background', 'hub'].map((name) => ({
        name,
        run: async () => {
          ran.push(name)
        },
      })),
      5_000,
    )
    expect(outcome).toEqual({ ok: true })
    expect(ran).toEqual(['server', 'background', 'hub'])
  })

  it('gives up at its bound on a step that never finishes, naming it, without running the next', async () => {
    const ran: string[] = []
    const started = performance.now()
    const outcome = await stopInOrder(
      [
        { name: 'server', run: () => ran.push('server') },
        { name: 'database', run: () => new Promise(() => undefined) },
        { name: 'after', run: () => ran.push('after') },
      ],
      300,
    )
    expect(outcome).toEqual({ ok: false, step: 'database', reason: 'timed_out' })
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    expect(ran).toEqual(['server'])
  })

  it('stops at a step that fails, naming it', async () => {
    const failure = new Error('boom')
    const outcome = await stopInOrder(
      [
        {
          name: 'background',
          run: () => {
            throw failure
          },
        },
        { name: 'hub', run: () => undefined },
      ],
      5_000,
    )
    expect(outcome).toEqual({ ok: false, step: 'background', reason: 'failed', error: failure })
  })
})
