/**
 * Debian's Chromium, driven by playwright-core (never `playwright install`). Locally a suite is skipped with a message
 * when it is absent; in CI (`JUNCTION_TEST_REQUIRE_SERVICES=1`) its absence fails the run.
 */
import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

export const chromiumPath = process.env.JUNCTION_TEST_CHROMIUM ?? '/usr/bin/chromium'

export function chromiumAvailable(): boolean {
  if (existsSync(chromiumPath)) return true
  if (process.env.JUNCTION_TEST_REQUIRE_SERVICES === '1')
    throw new Error(`Chromium is required in CI and is not at ${chromiumPath} (apt-get install chromium)`)
  console.warn(`Skipping the browser suites: no Chromium at ${chromiumPath} (apt-get install chromium to run them)`)
  return false
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    // This machine has no network: without these, Chromium keeps trying to reach Google's hosts.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
