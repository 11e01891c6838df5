import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.ts';
import { adminBrowser, csrfTokenOf } from '../support/admin.ts';

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
  await t.createForm({ id: 'contact' });
});
afterEach(() => t.close());

const { session, page, post, submit } = adminBrowser(() => t);
const readOf = async (id: string) => ((await (await t.api(`/submissions/${id}`)).json()) as { read: boolean }).read;

describe('unread submissions', () => {
  it('should show a submission as new in the list and the nav until its page is opened', async () => {
    const id = await submit({ message: 'hello' });
    const cookie = await session();
    const before = (await page('/admin/forms/contact', cookie)).html;
    expect(before).toContain('<tr class="unread">');
    expect(before).toContain('<span class="badge unread-count">1 new</span>');
    expect(await readOf(id)).toBe(false);

    expect((await page(`/admin/submissions/${id}`, cookie)).res.status).toBe(200);
    const after = (await page('/admin/forms/contact', cookie)).html;
    expect(after).not.toContain('class="unread"');
    expect(after).not.toContain('unread-count');
    expect(await readOf(id)).toBe(true);
  });

  it('should not mark anything read when the page is not found', async () => {
    const id = await submit({ message: 'hello' });
    const cookie = await session();
    expect((await page(`/admin/submissions/${id}x`, cookie)).res.status).toBe(404);
    expect(await readOf(id)).toBe(false);
    await page(`/admin/submissions/${id}`, cookie);
    expect(await readOf(id)).toBe(true);
  });

  it("should mark all of a form's submissions read with one POST carrying the CSRF token", async () => {
    const ids = [await submit({ message: 'one' }), await submit({ message: 'two' })];
    const cookie = await session();
    const html = (await page('/admin/forms/contact', cookie)).html;
    expect(html).toContain('action="/admin/forms/contact/read"');
    expect((await post('/admin/forms/contact/read', {}, { cookie })).status).toBe(403);
    expect(await readOf(ids[0]!)).toBe(false);
    const res = await post('/admin/forms/contact/read', { _csrf: csrfTokenOf(html) }, { cookie });
    expect(res.status).toBe(303);
    expect([await readOf(ids[0]!), await readOf(ids[1]!)]).toEqual([true, true]);
    expect((await page('/admin/forms/contact', cookie)).html).not.toContain('action="/admin/forms/contact/read"');
  });
});
