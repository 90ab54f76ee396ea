/**
 * Layout checks for the browser suites: no page scrolls sideways, and nothing is cut off. Both are evaluated in the
 * page as strings, since the suites are type-checked without the DOM's types.
 */
import type { Page } from 'playwright-core'
import { expect } from 'vitest'

/** No page may scroll sideways: the document is never wider than the window. */
export async function expectNoSidewaysScroll(page: Page, where: string) {
  const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
    '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
  )
  expect(scrollWidth, `${where} is ${scrollWidth}px wide in a ${innerWidth}px window`).toBeLessThanOrEqual(innerWidth)
}

/**
 * Nothing is cut off: every element's box lies inside the window and inside its container (an SVG chart's parts
 * inside the chart, in both directions). A table that scrolls inside its box, a clipped label or an overflowing
 * button is named. The one exception is the nav, which scrolls sideways on a phone by design: the nav test in
 * dashboard-browser.serial.test.ts checks that each of its links can be scrolled or tabbed into view.
 */
export async function expectNothingClipped(page: Page, where: string) {
  const outside = await page.evaluate<string[]>(`(() => {
    const width = document.documentElement.clientWidth
    const name = (element) => element.tagName.toLowerCase() + (element.id ? '#' + element.id : '') +
      (typeof element.className === 'string' && element.className.trim() !== '' ? '.' + element.className.trim().split(/\\s+/).join('.') : '') +
      ' "' + (element.textContent || '').trim().slice(0, 30) + '"'
    const found = []
    for (const element of document.body.querySelectorAll('*')) {
      const box = element.getBoundingClientRect()
      if (box.width === 0 && box.height === 0) continue
      const nav = element.closest('header.top nav')
      if (nav !== null && nav !== element && getComputedStyle(nav).overflowX !== 'visible') continue
      if (box.left < -0.5 || box.right > width + 0.5) {
        found.push(name(element) + ' spans ' + Math.round(box.left) + '..' + Math.round(box.right) + ' in a ' + width + 'px window')
        continue
      }
      const chart = element instanceof SVGElement ? element.ownerSVGElement : null
      const container = chart ?? element.parentElement
      if (container === null || container === document.body) continue
      const outer = container.getBoundingClientRect()
      if (box.left < outer.left - 0.5 || box.right > outer.right + 0.5)
        found.push(name(element) + ' spans ' + Math.round(box.left) + '..' + Math.round(box.right) + ', outside its ' + name(container) + ' at ' + Math.round(outer.left) + '..' + Math.round(outer.right))
      else if (chart !== null && (box.top < outer.top - 0.5 || box.bottom > outer.bottom + 0.5))
        found.push(name(element) + ' is cut off at the top or bottom of its chart')
    }
    return found
  })()`)
  expect(outside, `${where}: elements outside their box`).toEqual([])
}
