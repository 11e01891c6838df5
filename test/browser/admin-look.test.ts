import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startHarbor, type Harbor } from '../support/browser.ts';
import { axeViolations, seedTour, signIn, tourStops, unreachable, type Stop } from '../support/admin-tour.ts';

// Every page in real Chromium: axe-core's WCAG 2.1 A/AA and best-practice rules in both colour
// schemes, no sideways scrolling on a 390 px phone, every control reachable by keyboard.
// With UPDATE_SCREENSHOTS=1 the same run refreshes the screenshots in docs/.

let browser: Browser;
let harbor: Harbor;
let stops: Stop[];
let first: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [browser, harbor] = await Promise.all([launchChromium(), startHarbor()]);
  ({ first } = await seedTour(harbor));
  stops = tourStops(harbor.origin, first);
}, 30_000);
afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await harbor?.close();
});

async function signedInPage(options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
  const context = await browser.newContext(options);
  contexts.push(context);
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await signIn(page, harbor.origin);
  return page;
}

describe('every page in a real browser', () => {
  it.each(['light', 'dark'] as const)(
    'should pass axe-core (WCAG 2.1 A/AA and best practices) on every page in the %s scheme',
    async (colorScheme) => {
      const page = await signedInPage({ colorScheme });
      const found: string[] = [];
      for (const stop of stops) {
        await stop.visit(page);
        found.push(...(await axeViolations(page)).map((violation) => `${stop.name}: ${violation}`));
      }
      expect(found).toEqual([]);
    },
    120_000,
  );

  it('should fit a 390 px phone without sideways scrolling on every page', async () => {
    const page = await signedInPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const wide: string[] = [];
    for (const stop of stops) {
      await stop.visit(page);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > 390) wide.push(`${stop.name}: ${width}px`);
    }
    expect(wide).toEqual([]);
    // Lists become cards: no table header row is shown on a phone.
    await page.goto(`${harbor.origin}/admin/forms/contact`);
    expect(await page.locator('table.list thead').evaluate((el) => el.getBoundingClientRect().height)).toBeLessThanOrEqual(1);
  }, 120_000);

  it('should reach every control by keyboard, starting with the skip link', async () => {
    const page = await signedInPage();
    const misses: string[] = [];
    for (const stop of stops) {
      await stop.visit(page);
      const { first: firstStop, missed } = await unreachable(page);
      if (!['Skip to content'].includes(firstStop)) misses.push(`${stop.name}: first stop "${firstStop}"`);
      misses.push(...missed.map((html) => `${stop.name}: ${html}`));
    }
    expect(misses).toEqual([]);
  }, 120_000);
});

describe.runIf(process.env.UPDATE_SCREENSHOTS === '1')('screenshots for docs/', () => {
  it('should refresh the admin screenshots: desktop and phone, light and dark, one in 繁體中文, the dashboard in English and German', async () => {
    mkdirSync('docs', { recursive: true });
    const shots = [
      { file: 'admin-desktop-light.png', options: { viewport: { width: 1200, height: 800 }, colorScheme: 'light' as const } },
      { file: 'admin-desktop-dark.png', options: { viewport: { width: 1200, height: 800 }, colorScheme: 'dark' as const } },
      {
        file: 'admin-phone-light.png',
        options: { viewport: { width: 390, height: 844 }, colorScheme: 'light' as const, isMobile: true, deviceScaleFactor: 2 },
      },
      {
        file: 'admin-phone-dark.png',
        options: { viewport: { width: 390, height: 844 }, colorScheme: 'dark' as const, isMobile: true, deviceScaleFactor: 2 },
      },
    ];
    for (const { file, options } of shots) {
      const page = await signedInPage(options);
      await page.goto(`${harbor.origin}/admin/forms/contact`);
      await page.screenshot({ path: `docs/${file}`, fullPage: !options.isMobile });
    }
    const chinese = await signedInPage({
      viewport: { width: 1200, height: 800 },
      locale: 'zh-TW',
      extraHTTPHeaders: { 'accept-language': 'zh-TW' },
    });
    await chinese.goto(`${harbor.origin}/admin/submissions/${first}`);
    await chinese.screenshot({ path: 'docs/admin-zh-TW.png', fullPage: true });
    // The dashboard, the page owners open first: on a desktop in English, on a phone in German (the longest words).
    const dashboard = await signedInPage({ viewport: { width: 1200, height: 800 }, colorScheme: 'light' });
    await dashboard.goto(`${harbor.origin}/admin`);
    await dashboard.screenshot({ path: 'docs/admin-dashboard.png', fullPage: true });
    const german = await signedInPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      deviceScaleFactor: 2,
      locale: 'de-DE',
      extraHTTPHeaders: { 'accept-language': 'de' },
    });
    await german.goto(`${harbor.origin}/admin`);
    await german.screenshot({ path: 'docs/admin-dashboard-de-phone.png', fullPage: true });
    const demo = await signedInPage({ viewport: { width: 390, height: 844 }, isMobile: true, deviceScaleFactor: 2 });
    await demo.goto(`${harbor.origin}/`);
    await demo.screenshot({ path: 'docs/demo-phone.png', fullPage: true });
  }, 120_000);
});
