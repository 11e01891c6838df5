import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminBrowser, csrfTokenOf } from '../support/admin.ts';
import { testApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
  await t.createForm({ id: 'contact' });
});
afterAll(() => t.close());
const { session, page, post, submit } = adminBrowser(() => t);

describe('the owner’s time zone', () => {
  it('should show dates in UTC until a zone is chosen, then in that zone and the page’s language', async () => {
    const cookie = await session();
    const id = await submit({ message: 'hi' });
    const received = (html: string) => /<p>(?:Received|Eingegangen) ([^·<]+?) ·/.exec(html)?.[1];
    const before = received((await page(`/admin/submissions/${id}`, cookie)).html)!;
    expect((await page('/admin/settings', cookie)).html).toContain('<option value="UTC" selected="">UTC</option>');

    const token = csrfTokenOf((await page('/admin/settings', cookie)).html);
    const saved = await post('/admin/settings', { _csrf: token, timeZone: 'Asia/Taipei' }, { cookie });
    expect(saved.headers.get('location')).toBe('/admin/settings?saved=1');
    const after = received((await page(`/admin/submissions/${id}`, cookie)).html)!;
    // Taipei is eight hours ahead of UTC, all year.
    const hour = (text: string) => Number(/(\d\d):\d\d:\d\d/.exec(text)![1]);
    expect((hour(after) - hour(before) + 24) % 24).toBe(8);
    const german = await (await t.app.request(`/admin/submissions/${id}`, { headers: { cookie: `${cookie}; lang=de` } })).text();
    expect(received(german)).toMatch(/^\d{1,2}\. \S+ \d{4}, \d\d:\d\d:\d\d$/);
  });

  it('should refuse a zone that does not exist, and a save without the CSRF token', async () => {
    const cookie = await session();
    const token = csrfTokenOf((await page('/admin/settings', cookie)).html);
    expect((await post('/admin/settings', { _csrf: token, timeZone: 'Mars/Olympus' }, { cookie })).status).toBe(422);
    expect((await post('/admin/settings', { timeZone: 'Europe/Berlin' }, { cookie })).status).toBe(403);
  });
});
