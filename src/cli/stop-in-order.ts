/**
 * @module The steps of a stop, one after another, within one bound for them all: a step that never finishes (a
 * server gone silent, a provider that never answers) costs the bound, never the stop itself.
 */

export interface StopStep {
  /** What the step is doing, as said when it fails or runs out of time ("closing the database"). */
  readonly name: string
  run(): unknown
}

export type StopOutcome = { ok: true } | { ok: false; step: string; reason: 'timed_out' | 'failed'; error?: unknown }

/** Runs `steps` in order; stops at the first that fails, or when `totalMs` has passed, naming the step under way. */
export async function stopInOrder(steps: readonly StopStep[], totalMs: number): Promise<StopOutcome> {
  let current = steps[0]?.name ?? 'stopping'
  let timer: NodeJS.Timeout | undefined
  const outOfTime = new Promise<StopOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, step: current, reason: 'timed_out' }), totalMs)
  })
  const inOrder = async (): Promise<StopOutcome> => {
    for (const step of steps) {
      current = step.name
      try {
        await step.run()
      } catch (error) {
        return { ok: false, step: step.name, reason: 'failed', error }
      }
    }
    return { ok: true }
  }
  try {
    return await Promise.race([inOrder(), outOfTime])
  } finally {
    clearTimeout(timer)
  }
}
