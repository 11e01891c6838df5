import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { secretsEqual } from '../../src/ids.ts';
import { ADMIN_PASSWORD, form, testApp, type TestApp } from '../support/app.ts';
import { adminBrowser, csrfTokenOf, loginForm, ORIGIN } from '../support/admin.ts';

// The real compare, watched: password and CSRF checks must go through the constant-time helper.
vi.mock('../../src/ids.ts', async (importOriginal) => {
  const ids = await importOriginal<typeof import('../../src/ids.ts')>();
  return { ...ids, secretsEqual: vi.fn(ids.secretsEqual) };
});

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
  await t.createForm({ id: 'contact', name: 'Contact' });
});
afterEach(() => t.close());

const { login, session, page, post, submit, statusOf } = adminBrowser(() => t);

describe('admin sign-in', () => {
  it('should show a login form with a password field at /admin', async () => {
    const { res, html } = await page('/admin');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html).toMatch(loginForm);
    expect(html).not.toContain('Contact');
  });

  it('should answer 401 with the login page to a wrong password, and set no cookie', async () => {
    const res = await login('wrong-password');
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    const html = await res.text();
    expect(html).toContain('Wrong password');
    expect(html).toMatch(loginForm);
  });

  it('should set an httpOnly SameSite=Strict session cookie and redirect on the right password', async () => {
    const res = await login();
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^fh_session=[^;]+;/);
    expect(cookie).toMatch(/; HttpOnly(;|$)/);
    expect(cookie).toMatch(/; SameSite=Strict(;|$)/);
    expect(cookie).toMatch(/; Path=\/admin(;|$)/);
    const { html } = await page('/admin', cookie.split(';')[0]);
    expect(html).toContain('href="/admin/forms/contact"');
    expect(html).not.toMatch(loginForm);
  });

  it('should mark the cookie Secure when the public URL is https', async () => {
    await t.close();
    t = await testApp({ env: { PUBLIC_URL: 'https://harbor.test' } });
    expect((await login()).headers.get('set-cookie')).toMatch(/; Secure(;|$)/);
  });

  it('should refuse a login posted from another origin', async () => {
    const res = await login(ADMIN_PASSWORD, 'https://evil.test');
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
    // The admin's own error page, under a CSP, not a bare "Forbidden".
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await res.text()).toContain('nothing was changed');
  });

  it('should refuse an oversized sign-in body with 413 before parsing it', async () => {
    const res = await t.app.request('/admin/login', {
      method: 'POST',
      headers: { origin: ORIGIN, 'content-type': 'application/x-www-form-urlencoded' },
      body: `password=${'x'.repeat(100 * 1024)}`,
    });
    expect(res.status).toBe(413);
  });

  it('should answer 400 to a malformed multipart sign-in, and to a malformed post with a session', async () => {
    const garbage = (path: string, cookie?: string) =>
      t.app.request(path, {
        method: 'POST',
        headers: { origin: ORIGIN, 'content-type': 'multipart/form-data; boundary=x', ...(cookie && { cookie }) },
        body: 'garbage',
      });
    expect((await garbage('/admin/login')).status).toBe(400);
    expect((await garbage('/admin/logout', await session())).status).toBe(400);
    expect(t.errors).toEqual([]);
  });

  it('should count only wrong passwords: a successful sign-in clears the counter', async () => {
    for (let i = 0; i < 9; i++) expect((await login('wrong-password')).status).toBe(401);
    expect((await login()).status).toBe(303);
    for (let i = 0; i < 9; i++) expect((await login('wrong-password')).status).toBe(401);
  });

  it('should let a script (no Origin, no Sec-Fetch-Site) sign in and act, with the CSRF token as for anyone', async () => {
    const res = await t.app.request('/admin/login', { method: 'POST', body: form({ password: ADMIN_PASSWORD }) });
    expect(res.status).toBe(303);
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const id = await submit({ message: 'hi' });
    const token = csrfTokenOf((await page(`/admin/submissions/${id}`, cookie)).html);
    const change = (fields: Record<string, string>) =>
      t.app.request(`/admin/submissions/${id}/status`, { method: 'POST', headers: { cookie }, body: form(fields) });
    expect((await change({ status: 'spam' })).status).toBe(403);
    expect(await statusOf(id)).toBe('inbox');
    expect((await change({ _csrf: token, status: 'spam' })).status).toBe(303);
    expect(await statusOf(id)).toBe('spam');
    // A browser always says where a post comes from: Sec-Fetch-Site alone, cross-site, is refused.
    const crossSite = await t.app.request('/admin/login', {
      method: 'POST',
      headers: { 'sec-fetch-site': 'cross-site' },
      body: form({ password: ADMIN_PASSWORD }),
    });
    expect(crossSite.status).toBe(403);
  });

  it('should accept a login from the public URL origin behind a proxy', async () => {
    expect((await login(ADMIN_PASSWORD, 'http://harbor.test')).status).toBe(303);
  });

  it('should rate limit login attempts to 10 per 10 minutes per IP', async () => {
    for (let i = 0; i < 10; i++) expect((await login('wrong-password')).status).toBe(401);
    const limited = await login();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.text()).toContain('Too many sign-in attempts; try again in 10 minutes');
    expect(limited.headers.get('set-cookie')).toBeNull();
    t.clock.advance(10 * 60_000);
    expect((await login()).status).toBe(303);
  });

  it('should count sign-in attempts from IPv6 by /64 network, so one visitor cannot rotate addresses', async () => {
    let n = 0;
    t.deps.clientIp = () => `2001:db8:42:7::${(++n).toString(16)}`;
    for (let i = 0; i < 10; i++) expect((await login('wrong-password')).status).toBe(401);
    expect((await login()).status).toBe(429);
    t.deps.clientIp = () => '2001:db8:42:8::1';
    expect((await login()).status).toBe(303);
  });

  it('should compare the password with the constant-time secretsEqual', async () => {
    vi.mocked(secretsEqual).mockClear();
    await login('wrong-password');
    expect(secretsEqual).toHaveBeenCalledWith('wrong-password', ADMIN_PASSWORD);
  });

  it('should show the login form again when the session has expired', async () => {
    const cookie = await session();
    t.clock.advance(12 * 3_600_000 + 1);
    expect((await page('/admin', cookie)).html).toMatch(loginForm);
  });

  it('should not accept a forged session cookie', async () => {
    const cookie = await session();
    const [name, value] = cookie.split('=') as [string, string];
    const [id, signature] = decodeURIComponent(value).split('.') as [string, string];
    const forged = `${name}=${encodeURIComponent(`${id.slice(1)}x.${signature}`)}`;
    expect((await page('/admin', forged)).html).toMatch(loginForm);
  });

  it('should sign out with the CSRF token', async () => {
    const cookie = await session();
    const token = csrfTokenOf((await page('/admin', cookie)).html);
    const res = await post('/admin/logout', { _csrf: token }, { cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/^fh_session=;.*Max-Age=0/);
    // A copy of the cookie (another tab, a stolen one) is signed out too.
    expect((await page('/admin', cookie)).html).toMatch(loginForm);
    expect((await post('/admin/logout', { _csrf: token }, { cookie })).status).toBe(401);
  });

  it('should lead back to the admin page that was asked for, and never off the admin', async () => {
    const id = await submit({ message: 'hi' });
    const asked = `/admin/submissions/${id}?from=mail`;
    const hidden = `<input type="hidden" name="next" value="${asked}"/>`;
    expect((await page(asked)).html).toContain(hidden);
    const signIn = (next: string, password = ADMIN_PASSWORD) =>
      t.app.request('/admin/login', { method: 'POST', headers: { origin: ORIGIN }, body: form({ password, next }) });
    expect(await (await signIn(asked, 'wrong-password')).text()).toContain(hidden);
    expect((await signIn(asked)).headers.get('location')).toBe(asked);
    for (const elsewhere of [
      '//evil.test/admin',
      'https://evil.test/admin',
      '/\\evil.test',
      '/admin\\@evil.test',
      '/administrator',
      'javascript:alert(1)',
      '/admin/x\r\nSet-Cookie: a=b',
      // Paths a browser resolves out of the admin.
      '/admin/../api/forms',
      '/admin/%2e%2e/f/demo',
      '/admin/../..//evil.test',
    ]) {
      const res = await signIn(elsewhere);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/admin');
    }
  });

  it('should send a refreshed or bookmarked /admin/login, and /admin/, to the admin', async () => {
    expect((await page('/admin/login')).res.headers.get('location')).toBe('/admin');
    const { res } = await page('/admin/', await session());
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('http://localhost/admin');
  });

  it('should keep other sessions when one signs out', async () => {
    const [mine, other] = [await session(), await session()];
    await post('/admin/logout', { _csrf: csrfTokenOf((await page('/admin', mine)).html) }, { cookie: mine });
    expect((await page('/admin', other)).html).not.toMatch(loginForm);
  });
});
