import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  contactPage,
  enhanced,
  formState,
  launchChromium,
  recordPosts,
  savedMessages,
  startHarbor,
  startSite,
  stored,
  storedCount,
  type Harbor,
  type Site,
} from '../support/browser.ts';

const FIELDS = [
  { name: 'name', type: 'text' as const, required: true },
  { name: 'email', type: 'email' as const, required: true },
  { name: 'message', type: 'textarea' as const, required: true },
];
const SAVED = 'No connection right now. Your message is saved on this device and will be sent automatically.';
const DELIVERED = 'Your saved message has now been sent. Thank you!';

let browser: Browser;
let harbor: Harbor;
let site: Site;
let context: BrowserContext;

beforeAll(async () => {
  [browser, site, harbor] = await Promise.all([launchChromium(), startSite(), startHarbor()]);
});
afterAll(async () => {
  await browser?.close();
  await harbor?.close();
  await site?.close();
});
afterEach(async () => {
  await context?.close();
});

async function open(h: Harbor, formId: string): Promise<{ page: Page; url: string }> {
  await h.t.createForm({ id: formId, fields: FIELDS });
  context = await browser.newContext();
  context.setDefaultTimeout(8000);
  const page = await context.newPage();
  const url = site.put(`/${formId}.html`, contactPage({ api: h.origin, formId }));
  await page.goto(url);
  await enhanced(page);
  return { page, url };
}

async function fillContact(page: Page, message: string) {
  await page.fill('[name="name"]', 'Grace');
  await page.fill('[name="email"]', 'grace@example.com');
  await page.fill('[name="message"]', message);
}

const status = (page: Page) => page.locator('form [role="status"]').textContent();

/** A message the server will refuse (bad email), saved while it is down; answers the form page's URL. */
async function saveInvalidWhileDown(formId: string, message: string): Promise<string> {
  const { page, url } = await open(harbor, formId);
  await page.fill('[name="name"]', 'Grace');
  await page.fill('[name="email"]', 'grace-at-example');
  await page.fill('[name="message"]', message);
  await harbor.stop();
  try {
    await page.click('button[type="submit"]');
    await formState(page, 'saved');
    await page.close();
  } finally {
    await harbor.start();
  }
  return url;
}

describe('embed.js never loses a message on the visitor side', () => {
  it('should save an offline submission, tell the visitor, and store it exactly once when back online', async () => {
    const { page } = await open(harbor, 'offline');
    const posts = recordPosts(page, harbor.origin);
    await fillContact(page, 'Written on a train.');
    await context.setOffline(true);
    await page.click('button[type="submit"]');
    await formState(page, 'saved');
    expect(await status(page)).toBe(SAVED);
    expect(await page.locator('[name="message"]').inputValue()).toBe('Written on a train.');
    expect(await page.locator('button[type="submit"]').isDisabled()).toBe(false);
    const [saved] = await savedMessages(page);
    expect(saved!.e).toEqual(expect.arrayContaining([['message', 'Written on a train.']]));
    // pressing Send again while offline keeps the one saved message and its key
    await page.click('button[type="submit"]');
    await formState(page, 'saved');
    expect((await savedMessages(page)).map((m) => m.k)).toEqual([saved!.k]);
    expect(await stored(harbor.t, 'offline')).toEqual([]);

    await context.setOffline(false);
    await formState(page, 'delivered');
    expect(await status(page)).toBe(DELIVERED);
    const items = await storedCount(harbor.t, 'offline', 1);
    expect(items.map((s) => s.data.message)).toEqual(['Written on a train.']);
    expect(await page.locator('[name="message"]').inputValue()).toBe('');
    expect(await savedMessages(page)).toEqual([]);
    // every attempt that reached the network carried the saved key
    expect(posts.length).toBeGreaterThan(0);
    expect(new Set(posts.map((p) => p.key))).toEqual(new Set([saved!.k]));
    // a later retry cannot duplicate it
    expect(await storedCount(harbor.t, 'offline', 2, 300)).toHaveLength(1);
  });

  it('should save when the server is down and store it once on the next page load after it is back', async () => {
    const { page, url } = await open(harbor, 'down');
    const keys = recordPosts(page, harbor.origin);
    await fillContact(page, 'Sent while the server was down.');
    await harbor.stop();
    try {
      await page.click('button[type="submit"]');
      await formState(page, 'saved');
      expect(await status(page)).toBe(SAVED);
      const [saved] = await savedMessages(page);
      expect(saved!.e).toEqual(expect.arrayContaining([['message', 'Sent while the server was down.']]));
      expect(keys[0]!.key).toBe(saved!.k);
      // the visitor leaves; no page of the site is open while the server comes back
      await page.close();
      await harbor.start();
      expect(await stored(harbor.t, 'down')).toEqual([]);

      const next = await context.newPage();
      const posts = recordPosts(next, harbor.origin);
      await next.goto(url);
      await formState(next, 'delivered');
      expect(await status(next)).toBe(DELIVERED);
      const items = await storedCount(harbor.t, 'down', 1);
      expect(items.map((s) => s.data.message)).toEqual(['Sent while the server was down.']);
      expect(posts.map((p) => p.key)).toEqual([saved!.k]);
      expect(await savedMessages(next)).toEqual([]);
      // the new visit's form is left for a new message
      expect(await next.locator('[name="message"]').inputValue()).toBe('');
    } finally {
      await harbor.start();
    }
  });

  it('should put a saved message the server then refuses back into the form after a reload, with its errors', async () => {
    const url = await saveInvalidWhileDown('refused-later', 'Typed offline, with a typo.');
    const next = await context.newPage();
    await next.goto(url);
    await formState(next, 'invalid');
    expect(await next.locator('[name="email"]').inputValue()).toBe('grace-at-example');
    expect(await next.locator('[name="message"]').inputValue()).toBe('Typed offline, with a typo.');
    expect(await next.locator('[name="email"]').getAttribute('aria-invalid')).toBe('true');
    expect(await next.locator('#email + .formharbor-error').textContent()).toBe('Enter a valid email address.');
    expect(await savedMessages(next)).toEqual([]);
    expect(await stored(harbor.t, 'refused-later')).toEqual([]);
  });

  it('should keep a saved message refused on a page without its form until a page with the form can show why', async () => {
    const url = await saveInvalidWhileDown('refused-elsewhere', 'Typed offline, sent from another page.');
    // Another page of the same site, with the script but not the form: the server refuses the message there.
    const elsewhere = await context.newPage();
    const posts = recordPosts(elsewhere, harbor.origin);
    await elsewhere.goto(
      site.put(
        '/no-form.html',
        `<!doctype html><html lang="en"><body><p>About us</p><script src="${harbor.origin}/embed.js" defer></script></body></html>`,
      ),
    );
    await expect.poll(() => posts.length).toBe(1);
    await expect.poll(async () => (await savedMessages(elsewhere)).map((job) => (job as { x?: { s: number } }).x?.s)).toEqual([422]);
    await elsewhere.close();
    // Back on the form's page: the message is restored with its errors, and forgotten once shown.
    const next = await context.newPage();
    const later = recordPosts(next, harbor.origin);
    await next.goto(url);
    await formState(next, 'invalid');
    expect(await next.locator('[name="message"]').inputValue()).toBe('Typed offline, sent from another page.');
    expect(await next.locator('[name="email"]').getAttribute('aria-invalid')).toBe('true');
    expect(await savedMessages(next)).toEqual([]);
    expect(later).toHaveLength(0);
    expect(await stored(harbor.t, 'refused-elsewhere')).toEqual([]);
  });

  it('should keep a message answered 5xx and retry it with backoff, with the same key, until stored', async () => {
    const { page } = await open(harbor, 'flaky');
    const posts = recordPosts(page, harbor.origin);
    let failures = 2;
    await page.route(`${harbor.origin}/f/flaky`, async (route) => {
      if (route.request().method() !== 'POST' || failures-- <= 0) return route.continue();
      await route.fulfill({
        status: 503,
        headers: { 'access-control-allow-origin': '*', 'content-type': 'application/json' },
        body: JSON.stringify({ ok: false, error: 'unavailable', message: 'The submission could not be stored' }),
      });
    });
    await fillContact(page, 'The database was busy.');
    await page.click('button[type="submit"]');
    await formState(page, 'saved');
    expect(await status(page)).toBe(SAVED);
    expect(await savedMessages(page)).toHaveLength(1);
    await formState(page, 'delivered');
    expect((await storedCount(harbor.t, 'flaky', 1)).map((s) => s.data.message)).toEqual(['The database was busy.']);
    expect(posts).toHaveLength(3);
    expect(new Set(posts.map((p) => p.key)).size).toBe(1);
    // backoff: each retry waits longer than the one before
    const gaps = [posts[1]!.at - posts[0]!.at, posts[2]!.at - posts[1]!.at];
    expect(gaps[0]).toBeGreaterThan(500);
    expect(gaps[1]).toBeGreaterThan(gaps[0]!);
    expect(await savedMessages(page)).toEqual([]);
  });

  it('should take a reset connection for an outage, not a refusal, and store the message once', async () => {
    const { page } = await open(harbor, 'reset-once');
    let resets = 0;
    await page.route(`${harbor.origin}/f/reset-once`, (route) =>
      route.request().method() === 'POST' && resets++ === 0 ? route.abort('connectionreset') : route.continue(),
    );
    await fillContact(page, 'Through a flaky line.');
    await page.click('button[type="submit"]');
    await formState(page, 'saved');
    await formState(page, 'delivered');
    expect((await storedCount(harbor.t, 'reset-once', 1)).map((s) => s.data.message)).toEqual(['Through a flaky line.']);
  });

  it('should treat a proxy 502 without CORS headers as an outage, not a refusal', async () => {
    const { page } = await open(harbor, 'proxied');
    const badGateway = { status: 502, headers: { 'content-type': 'text/html' }, body: '<h1>502 Bad Gateway</h1>' };
    await page.route(`${harbor.origin}/**`, (route) => route.fulfill(badGateway));
    await fillContact(page, 'Behind nginx.');
    await page.click('button[type="submit"]');
    await formState(page, 'saved');
    expect(await savedMessages(page)).toHaveLength(1);
    await page.unroute(`${harbor.origin}/**`);
    await formState(page, 'delivered');
    expect((await storedCount(harbor.t, 'proxied', 1)).map((s) => s.data.message)).toEqual(['Behind nginx.']);
  });

  it('should wait out a real 429 from the server and then store the message', async () => {
    const limited = await startHarbor({ env: { RATE_LIMIT: '1/5s' } });
    try {
      const { page } = await open(limited, 'limited');
      const posts = recordPosts(page, limited.origin);
      await fillContact(page, 'First one.');
      await page.click('button[type="submit"]');
      await formState(page, 'success');
      await fillContact(page, 'Second one, too soon.');
      await page.click('button[type="submit"]');
      await formState(page, 'wait');
      expect(await status(page)).toBe('Too many messages right now. Your message is saved and will be sent in a moment.');
      expect(await savedMessages(page)).toHaveLength(1);
      const refusedAt = Date.now();
      limited.t.clock.advance(6_000);
      await formState(page, 'delivered');
      expect(posts[2]!.at - refusedAt).toBeGreaterThan(1_000);
      expect(posts[2]!.key).toBe(posts[1]!.key);
      expect((await storedCount(limited.t, 'limited', 2)).map((s) => s.data.message).sort()).toEqual([
        'First one.',
        'Second one, too soon.',
      ]);
    } finally {
      await context?.close();
      await limited.close();
    }
  });

  it('should honour Retry-After when the server exposes it', async () => {
    const { page } = await open(harbor, 'retry-after');
    const posts = recordPosts(page, harbor.origin);
    let limitedOnce = false;
    await page.route(`${harbor.origin}/f/retry-after`, async (route) => {
      if (route.request().method() !== 'POST' || limitedOnce) return route.continue();
      limitedOnce = true;
      await route.fulfill({
        status: 429,
        headers: {
          'access-control-allow-origin': '*',
          'access-control-expose-headers': 'Retry-After',
          'retry-after': '3',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ ok: false, error: 'rate_limited', message: 'Too many submissions; try again later' }),
      });
    });
    await fillContact(page, 'Patience.');
    await page.click('button[type="submit"]');
    await formState(page, 'wait');
    await formState(page, 'delivered');
    expect(posts).toHaveLength(2);
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(2_900);
    expect(await storedCount(harbor.t, 'retry-after', 1)).toHaveLength(1);
  });
});
