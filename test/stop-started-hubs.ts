/**
 * Every `junction start` child a test starts and does not stop (an assertion failed first, say) is killed after that
 * test, so that it holds no data-dir lock, port or database for the tests after it. Hubs a suite starts before its
 * tests (in `beforeAll`) are the suite's: they are killed after the file, if its own `afterAll` did not stop them.
 */
import { afterAll, afterEach, beforeEach } from 'vitest'
import { type RunningHub, runningHubs, stopStartedHubs } from './helpers/cli.js'

let beforeTheTest: ReadonlySet<RunningHub> = new Set()
beforeEach(() => {
  beforeTheTest = runningHubs()
})
afterEach(() => stopStartedHubs(beforeTheTest))
afterAll(() => stopStartedHubs())
