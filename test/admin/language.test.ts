import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminBrowser, csrfTokenOf } from '../support/admin.ts';
import { testApp, type TestApp } from '../support/app.ts';
import { STYLESHEET_PATH } from '../../src/views/style.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());
const { session, page, post } = adminBrowser(() => t);

const withHeaders = async (path: string, headers: Record<string, string>) => (await t.app.request(path, { headers })).text();

describe('the language of every page', () => {
  it('should answer in the browser’s language from Accept-Language, else in English', async () => {
    const cookie = await session();
    const german = await withHeaders('/admin', { cookie, 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' });
    expect(german).toContain('<html lang="de">');
    expect(german).toContain('>Übersicht</h1>');
    const chinese = await withHeaders('/admin', { cookie, 'accept-language': 'zh-TW,zh;q=0.9' });
    expect(chinese).toContain('<html lang="zh-TW">');
    expect(chinese).toContain('>登出</button>');
    expect(await withHeaders('/admin', { cookie, 'accept-language': 'fr-FR' })).toContain('<html lang="en">');
    // The visitors' pages follow the same rule.
    expect(await withHeaders('/', { 'accept-language': 'de' })).toContain('Es gibt kein Demo-Formular.');
  });

  it('should keep the switch’s choice in a cookie that wins over Accept-Language, and lead back to the page', async () => {
    const res = await post('/admin/language', { lang: 'zh-TW', back: '/admin/deliveries?status=failed' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/deliveries?status=failed');
    const chosen = res.headers.get('set-cookie')!;
    expect(chosen).toMatch(/^lang=zh-TW;.*Path=\/;.*HttpOnly/);
    const cookie = `${await session()}; ${chosen.split(';')[0]}`;
    const html = await withHeaders('/admin/deliveries?status=failed', { cookie, 'accept-language': 'de' });
    expect(html).toContain('<html lang="zh-TW">');
    expect(html).toContain('寄送紀錄');
  });

  it('should switch on the sign-in page too, and never lead off the admin', async () => {
    expect((await page('/admin')).html).toContain('action="/admin/language"');
    for (const back of ['https://evil.test/admin', '//evil.test/admin', '/admin/../api/forms']) {
      expect((await post('/admin/language', { lang: 'de', back })).headers.get('location')).toBe('/admin');
    }
    const unknown = await post('/admin/language', { lang: 'xx', back: '/admin' });
    expect(unknown.status).toBe(303);
    expect(unknown.headers.get('set-cookie')).toBeNull();
  });

  it('should carry the page’s CSRF token in the switch once signed in, and refuse a signed-in switch without it', async () => {
    const cookie = await session();
    const { html } = await page('/admin', cookie);
    const forms = html.match(/<form method="post"[^]*?<\/form>/g)!;
    expect(forms.some((f) => f.includes('action="/admin/language"'))).toBe(true);
    // Every state change of a signed-in page, the switch included, is a POST form with the token.
    for (const f of forms) expect(f).toMatch(/name="_csrf" value="[0-9a-f]{64}"/);

    const refused = await post('/admin/language', { lang: 'de', back: '/admin' }, { cookie });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('set-cookie')).toBeNull();
    const switched = await post('/admin/language', { lang: 'de', back: '/admin', _csrf: csrfTokenOf(html) }, { cookie });
    expect(switched.status).toBe(303);
    expect(switched.headers.get('set-cookie')).toMatch(/^lang=de;/);
  });

  it('should refuse a switch posted from another site', async () => {
    const res = await post('/admin/language', { lang: 'de', back: '/admin' }, { origin: 'https://evil.test' });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });
});

describe('the stylesheet', () => {
  it('should be served under its hash for a year, and be the only style any page uses', async () => {
    const res = await t.app.request(STYLESHEET_PATH);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/css/);
    expect(res.headers.get('cache-control')).toContain('immutable');
    const html = (await page('/admin')).html;
    expect(html).toContain(`<link rel="stylesheet" href="${STYLESHEET_PATH}"/>`);
    expect(html).not.toMatch(/<style|style="/);
    expect(html.match(/<main/g)).toHaveLength(1);
    expect(html).toContain('<a class="skip" href="#main">');
    expect((await page('/admin')).res.headers.get('content-security-policy')).toContain("style-src 'self'");
  });
});
