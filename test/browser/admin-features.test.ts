import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getSubmission } from '../../src/db/submissions.ts';
import { ADMIN_PASSWORD } from '../support/app.ts';
import { submitTo } from '../support/admin.ts';
import { launchChromium, startHarbor, startSite, type Harbor, type Site } from '../support/browser.ts';

let browser: Browser;
let harbor: Harbor;
let site: Site;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [browser, harbor, site] = await Promise.all([launchChromium(), startHarbor(), startSite()]);
  await harbor.t.createForm({ id: 'contact', name: 'Contact us' });
});
afterAll(async () => {
  await browser?.close();
  await harbor?.close();
  await site?.close();
});
beforeEach(async () => {
  context = await browser.newContext();
  context.setDefaultTimeout(8000);
  page = await context.newPage();
  await page.goto(`${harbor.origin}/admin`);
  await page.fill('input[type="password"]', ADMIN_PASSWORD);
  await page.click('form[action="/admin/login"] button[type="submit"]');
  await page.waitForSelector('h1');
});
afterEach(async () => {
  await context?.close();
});

const submit = (fields: Record<string, unknown>) => submitTo(harbor.t, 'contact', fields);
const card = () => page.locator('li.card[data-form="contact"]');
const statusOf = async (id: string) => (await getSubmission(harbor.t.deps.db, id))?.status;

/** Ticks the rows, picks the action, applies it and confirms on the page that gives the count. */
async function bulk(ids: string[], action: string, confirmation: string) {
  await page.goto(`${harbor.origin}/admin/forms/contact`);
  for (const id of ids) await page.check(`input[name="id"][value="${id}"]`);
  await page.selectOption('#bulk-action', action);
  await page.click('form#bulk button[type="submit"]');
  expect(await page.locator('h1').textContent()).toBe(confirmation);
  await page.click('main form button[type="submit"]');
  await page.waitForURL(`${harbor.origin}/admin/forms/contact`);
}

describe('the admin dashboard, unread mail and bulk actions in a real browser', () => {
  it('should count new submissions on the dashboard and in the nav, and stop counting one once it is opened', async () => {
    const before = Number(await card().locator('[data-count="month"]').textContent());
    const id = await submit({ email: 'ada@example.com', message: 'first' });
    await submit({ email: 'bob@example.com', message: 'second' });
    await page.reload();
    expect(Number(await card().locator('[data-count="month"]').textContent())).toBe(before + 2);
    const unread = Number(await card().locator('[data-count="unread"]').textContent());
    expect(unread).toBeGreaterThanOrEqual(2);
    expect(await card().locator('[data-count="last"]').textContent()).toContain('bob@example.com');
    expect(await page.locator('.unread-count').textContent()).toBe(`${unread} new`);

    await page.click('a[href="/admin/forms/contact"]');
    expect(await page.locator(`tr.unread a[href="/admin/submissions/${id}"]`).count()).toBe(1);
    expect(
      await page.locator(`tr.unread a[href="/admin/submissions/${id}"]`).evaluate((a) => getComputedStyle(a.closest('td')!).fontWeight),
    ).toBe('700');
    await page.click(`a[href="/admin/submissions/${id}"]`);
    await page.goto(`${harbor.origin}/admin/forms/contact`);
    expect(await page.locator(`tr.unread a[href="/admin/submissions/${id}"]`).count()).toBe(0);
    await page.goto(`${harbor.origin}/admin`);
    expect(Number(await card().locator('[data-count="unread"]').textContent())).toBe(unread - 1);
  });

  it('should mark ticked submissions as spam, archive them and delete them, each after a confirmation with the count', async () => {
    const ids = [await submit({ message: 'bulk one' }), await submit({ message: 'bulk two' })];
    const spamBefore = Number(await card().locator('[data-count="spam"]').textContent());
    await bulk(ids, 'spam', 'Mark 2 submissions as spam?');
    expect([await statusOf(ids[0]!), await statusOf(ids[1]!)]).toEqual(['spam', 'spam']);
    await page.goto(`${harbor.origin}/admin`);
    expect(Number(await card().locator('[data-count="spam"]').textContent())).toBe(spamBefore + 2);

    await bulk(ids, 'archived', 'Archive 2 submissions?');
    expect([await statusOf(ids[0]!), await statusOf(ids[1]!)]).toEqual(['archived', 'archived']);
    await bulk([ids[0]!], 'delete', 'Delete 1 submission and its deliveries for good?');
    expect(await statusOf(ids[0]!)).toBeUndefined();
    expect(await statusOf(ids[1]!)).toBe('archived');
  });

  it("should refuse the bulk form posted from another site's page, even with the session's cookie and token", async () => {
    const id = await submit({ message: 'keep me' });
    await page.goto(`${harbor.origin}/admin/forms/contact`);
    const token = await page.locator('form#bulk input[name="_csrf"]').getAttribute('value');
    const forged = site.put(
      '/forged.html',
      `<!doctype html><title>Win a prize</title><form method="post" action="${harbor.origin}/admin/forms/contact/bulk">
<input name="_csrf" value="${token}"><input name="action" value="delete"><input name="id" value="${id}"><input name="confirm" value="yes">
<button type="submit">Claim</button></form>`,
    );
    await page.goto(forged);
    const [answer] = await Promise.all([page.waitForResponse(`${harbor.origin}/admin/forms/contact/bulk`), page.click('button')]);
    expect(answer.status()).toBe(403);
    expect(await statusOf(id)).toBe('inbox');
  });
});
