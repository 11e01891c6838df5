import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startHarbor, type Harbor } from '../support/browser.ts';
import { signIn } from '../support/admin-tour.ts';

let browser: Browser;
let harbor: Harbor;
let context: BrowserContext;

beforeAll(async () => {
  [browser, harbor] = await Promise.all([launchChromium(), startHarbor()]);
  await harbor.t.createForm({ id: 'contact', name: 'Contact us' });
});
afterAll(async () => {
  await browser?.close();
  await harbor?.close();
});
afterEach(async () => {
  await context?.close();
});

describe('the language switch in a real browser', () => {
  it('should follow the browser’s language first, then the switch, on the same page and after signing out', async () => {
    context = await browser.newContext({ locale: 'de-DE', extraHTTPHeaders: { 'accept-language': 'de-DE,de;q=0.9' } });
    context.setDefaultTimeout(8000);
    const page = await context.newPage();
    await page.goto(`${harbor.origin}/admin`);
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    expect(await page.textContent('h1')).toBe('Formharbor-Verwaltung');

    await signIn(page, harbor.origin);
    await page.goto(`${harbor.origin}/admin/deliveries?status=failed`);
    // By keyboard, as the switch must work without a mouse.
    await page.focus('button[name="lang"][value="zh-TW"]');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${harbor.origin}/admin/deliveries?status=failed`);
    await expect.poll(() => page.getAttribute('html', 'lang')).toBe('zh-TW');
    expect(await page.textContent('h1')).toBe('寄送紀錄：寄送失敗');
    expect(await page.getAttribute('button[value="zh-TW"]', 'aria-pressed')).toBe('true');

    await page.click('button[name="lang"][value="en"]');
    await expect.poll(() => page.textContent('h1')).toBe('Deliveries: failed');
    await page.click('form[action="/admin/logout"] button');
    // The choice outlives the session: it is the browser's, not the session's.
    await expect.poll(() => page.textContent('h1')).toBe('Formharbor admin');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
  });
});
