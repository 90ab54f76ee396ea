/**
 * Runs after every test of every suite: a `junction start` child that a test started and did not stop (an assertion
 * failed first, say) is killed, so that it holds no data-dir lock, port or database for the tests after it.
 */
import { afterEach } from 'vitest'
import { stopStartedHubs } from './helpers/cli.js'

afterEach(stopStartedHubs)
