import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getForm } from '../../src/db/forms.ts';
import { getSubmission } from '../../src/db/submissions.ts';
import { testApp, type TestApp } from '../support/app.ts';
import { adminBrowser, csrfTokenOf, submitTo } from '../support/admin.ts';

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
  await t.createForm({ id: 'contact', name: 'Contact' });
});
afterEach(() => t.close());

const { session, page, post } = adminBrowser(() => t);

describe('spam in the admin', () => {
  it('should say in words why a submission is spam, in the list and on its page', async () => {
    const cookie = await session();
    const id = await submitTo(t, 'contact', { message: 'hello', _gotcha: 'bot' });
    const words = 'a hidden field that only bots fill in was filled in';
    expect((await page('/admin/forms/contact?status=spam', cookie)).html).toContain(words);
    expect((await page(`/admin/submissions/${id}`, cookie)).html).toContain(`Spam because: ${words}`);
  });

  it('should save spam settings from the editor, keep the captcha secret when its box is left empty, and name a bad entry', async () => {
    const cookie = await session();
    const token = csrfTokenOf((await page('/admin/forms/contact/edit', cookie)).html);
    const base = { _csrf: token, name: 'Contact', recipients: 'owner@site.test', extraFields: 'keep' };
    const settings = {
      ...base,
      captchaProvider: 'turnstile',
      captchaSiteKey: '0x4AAA',
      captchaSecret: 'top-secret',
      minSeconds: '3',
      maxLinks: '1',
      blockedWords: 'casino\nbuy now, today',
      blockedEmailDomains: 'spam.example',
      blockedIps: '198.51.100.0/24',
      formLimit: '100/1h',
      retentionDays: '365',
      spamRetentionDays: '14',
    };
    expect((await post('/admin/forms/contact/edit', settings, { cookie })).status).toBe(303);
    const saved = (await getForm(t.deps.db, 'contact'))!;
    expect(saved.spam).toEqual({
      captcha: { provider: 'turnstile', siteKey: '0x4AAA', secret: 'top-secret' },
      minSeconds: 3,
      maxLinks: 1,
      blockedWords: ['casino', 'buy now, today'],
      blockedEmailDomains: ['spam.example'],
      blockedIps: ['198.51.100.0/24'],
      formLimit: '100/1h',
    });
    expect(saved).toMatchObject({ retentionDays: 365, spamRetentionDays: 14 });

    const editor = (await page('/admin/forms/contact/edit', cookie)).html;
    expect(editor).not.toContain('top-secret');
    expect(editor).toContain('a secret is set; leave empty to keep it');
    expect((await post('/admin/forms/contact/edit', { ...settings, captchaSecret: '', maxLinks: '2' }, { cookie })).status).toBe(303);
    expect((await getForm(t.deps.db, 'contact'))!.spam).toMatchObject({ maxLinks: 2, captcha: { secret: 'top-secret' } });

    const refused = await post('/admin/forms/contact/edit', { ...settings, blockedIps: '198.51.100.0/24\nnot-an-ip' }, { cookie });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('&quot;not-an-ip&quot;: must be an IP address or a CIDR range like 198.51.100.0/24');
  });

  it('should show how many submissions an address holds before erasing them, and erase only once confirmed', async () => {
    const cookie = await session();
    await t.createForm({ id: 'jobs' });
    const mine = [await submitTo(t, 'contact', { email: 'ann@example.test' }), await submitTo(t, 'jobs', { note: 'ann@example.test' })];
    const other = await submitTo(t, 'contact', { email: 'joann@example.test' });
    const { html } = await page('/admin/erase?email=ann%40example.test', cookie);
    expect(html).toContain('2 submissions, on every form, hold this address.');
    const token = csrfTokenOf(html);
    expect((await post('/admin/erase', { _csrf: token, email: 'ann@example.test' }, { cookie })).status).toBe(422);
    for (const id of mine) expect(await getSubmission(t.deps.db, id)).toBeDefined();
    const erased = await post('/admin/erase', { _csrf: token, email: 'ann@example.test', confirm: 'yes' }, { cookie });
    expect(await erased.text()).toContain('Deleted 2 submissions holding ann@example.test.');
    for (const id of mine) expect(await getSubmission(t.deps.db, id)).toBeUndefined();
    expect(await getSubmission(t.deps.db, other)).toBeDefined();
  });
});
