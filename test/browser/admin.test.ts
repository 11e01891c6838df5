import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, form } from '../support/app.ts';
import { launchChromium, startHarbor, type Harbor } from '../support/browser.ts';

let browser: Browser;
let harbor: Harbor;
let context: BrowserContext;

beforeAll(async () => {
  [browser, harbor] = await Promise.all([launchChromium(), startHarbor()]);
});
afterAll(async () => {
  await browser?.close();
  await harbor?.close();
});
afterEach(async () => {
  await context?.close();
});

describe('the admin in a real browser', () => {
  it('should sign in, list a form, show a submission with its delivery, and change its status under a strict CSP', async () => {
    await harbor.t.createForm({ id: 'contact', name: 'Contact us' });
    const posted = await harbor.t.app.request('/f/contact', {
      method: 'POST',
      headers: { accept: 'application/json' },
      body: form({ name: 'Ada', email: 'ada@example.com', message: '<img src=x onerror="window.pwned=1">Hello' }),
    });
    const { id } = (await posted.json()) as { id: string };

    context = await browser.newContext();
    context.setDefaultTimeout(8000);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(error.message));

    await page.goto(`${harbor.origin}/admin`);
    await page.fill('input[type="password"]', 'not the password');
    await page.click('form[action="/admin/login"] button[type="submit"]');
    await expect.poll(() => page.locator('[role="alert"]').textContent()).toBe('Wrong password');
    await page.fill('input[type="password"]', ADMIN_PASSWORD);
    await page.click('form[action="/admin/login"] button[type="submit"]');
    await page.click('a[href="/admin/forms/contact"]');
    await page.click(`a[href="/admin/submissions/${id}"]`);

    // The visitor's markup is text on the page, never an element or a script.
    expect(await page.locator('td', { hasText: '<img src=x onerror="window.pwned=1">Hello' }).count()).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('h3').textContent()).toBe('Email to owner@site.test: held');

    await page.selectOption('select[name="status"]', 'archived');
    await page.click('form[action$="/status"] button[type="submit"]');
    await expect.poll(() => page.locator('p strong').first().textContent()).toBe('Archived');
    expect((await (await harbor.t.api(`/submissions/${id}`)).json()) as { status: string }).toMatchObject({ status: 'archived' });
    // The one failed load is the wrong password above (401), on purpose.
    expect(problems.filter((problem) => !problem.includes('status of 401'))).toEqual([]);
  });
});
