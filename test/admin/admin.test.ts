import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { secretsEqual } from '../../src/ids.ts';
import { ADMIN_PASSWORD, form, testApp, type TestApp } from '../support/app.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';

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

// app.request builds URLs on http://localhost; a browser posting from the admin sends this Origin.
const ORIGIN = 'http://localhost';

const login = (password = ADMIN_PASSWORD, origin = ORIGIN) =>
  t.app.request('/admin/login', { method: 'POST', headers: { origin }, body: form({ password }) });

/** Signs in and returns the cookie header a browser would send back. */
async function session(): Promise<string> {
  const res = await login();
  expect(res.status).toBe(303);
  return res.headers.get('set-cookie')!.split(';')[0]!;
}

const page = async (path: string, cookie?: string) => {
  const res = await t.app.request(path, { headers: cookie ? { cookie } : {} });
  return { res, html: await res.text() };
};

const csrfTokenOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;

const post = (path: string, fields: Record<string, string>, { cookie, origin = ORIGIN }: { cookie?: string; origin?: string } = {}) =>
  t.app.request(path, { method: 'POST', headers: { origin, ...(cookie && { cookie }) }, body: form(fields) });

async function submit(fields: Record<string, unknown>, formId = 'contact'): Promise<string> {
  t.clock.advance(1000);
  const res = await t.app.request(`/f/${formId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fields),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const statusOf = async (id: string) => ((await (await t.api(`/submissions/${id}`)).json()) as { status: string }).status;

const loginForm = /<form method="post" action="\/admin\/login">[\s\S]*<input[^>]*name="password" type="password"/;

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
    const hidden = `<input type="hidden" name="next" value="${asked}">`;
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

describe('admin pages', () => {
  let cookie: string;
  beforeEach(async () => {
    cookie = await session();
  });

  it("should list a form's submissions newest first with links to each", async () => {
    const first = await submit({ message: 'first message' });
    const second = await submit({ message: 'second message' });
    const { res, html } = await page('/admin/forms/contact', cookie);
    expect(res.status).toBe(200);
    expect(html.indexOf(`href="/admin/submissions/${second}"`)).toBeGreaterThan(-1);
    expect(html.indexOf(`href="/admin/submissions/${first}"`)).toBeGreaterThan(html.indexOf(`href="/admin/submissions/${second}"`));
    expect(html).toContain('second message');
  });

  it('should filter by status and search from the page\'s own form, where "any" sends status=', async () => {
    const hit = await submit({ message: 'about the invoice' });
    const other = await submit({ message: 'hello' });
    const { res, html } = await page('/admin/forms/contact?q=INVOICE&status=', cookie);
    expect(res.status).toBe(200);
    expect(html).toContain(`/admin/submissions/${hit}`);
    expect(html).not.toContain(`/admin/submissions/${other}`);
    const spam = await page('/admin/forms/contact?q=&status=spam', cookie);
    expect(spam.html).toContain('Nothing in this folder. <a href="/admin/forms/contact">See all 2</a>');
    const none = await page('/admin/forms/contact?q=nothing-like-this&status=', cookie);
    expect(none.html).toContain('No submissions match. <a href="/admin/forms/contact">Show all</a>');
    expect(none.html).not.toContain('No submissions yet.');
  });

  it('should list every submission, spam and archived included, with a folder for each status', async () => {
    const kept = await submit({ message: 'a real question' });
    const spam = await submit({ message: 'buy now', _gotcha: 'bot' });
    const all = (await page('/admin/forms/contact', cookie)).html;
    for (const id of [kept, spam]) expect(all).toContain(`/admin/submissions/${id}`);
    expect(all).toContain(
      '<strong>All (2)</strong> · <a href="/admin/forms/contact?status=inbox">Inbox (1)</a> · <a href="/admin/forms/contact?status=spam">Spam (1)</a> · <a href="/admin/forms/contact?status=archived">Archived (0)</a>',
    );
    const inbox = (await page('/admin/forms/contact?status=inbox', cookie)).html;
    expect(inbox).toContain(`/admin/submissions/${kept}`);
    expect(inbox).not.toContain(`/admin/submissions/${spam}`);
    expect(inbox).toContain('<strong>Inbox (1)</strong>');
    expect((await page('/admin/forms/contact?status=spam', cookie)).html).toContain(`/admin/submissions/${spam}`);
  });

  it('should link to older submissions only when there are more, and back to the newest from there', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) ids.push(await submit({ n: i }));
    expect((await page('/admin/forms/contact', cookie)).html).not.toContain('Older submissions');
    const oldest = ids[0]!;
    ids.push(await submit({ n: 50 }));
    const { html } = await page('/admin/forms/contact?status=inbox', cookie);
    expect(html).not.toContain('Newest submissions');
    const next = /href="(\/admin\/forms\/contact\?cursor=[^"]+)">Older submissions/.exec(html)![1]!;
    const older = await page(next.replace(/&amp;/g, '&'), cookie);
    expect(older.html).toContain(`/admin/submissions/${oldest}`);
    expect(older.html.match(/href="\/admin\/submissions\//g)).toHaveLength(1);
    expect(older.html).not.toContain('Older submissions');
    // Back to the first page of the same folder.
    expect(older.html).toContain('<p><a href="/admin/forms/contact?status=inbox">← Newest submissions</a></p>');
  });

  it('should link the deliveries list to older ones, and back to the newest from there', async () => {
    for (let i = 0; i < 51; i++) await submit({ n: i });
    const first = (await page('/admin/deliveries?status=held', cookie)).html;
    expect(first).not.toContain('Newest deliveries');
    const next = /href="(\/admin\/deliveries\?[^"]*cursor=[^"]+)">Older deliveries/.exec(first)![1]!;
    const older = (await page(next.replace(/&amp;/g, '&'), cookie)).html;
    expect(older.match(/href="\/admin\/submissions\//g)).toHaveLength(1);
    expect(older).toContain('<p><a href="/admin/deliveries?status=held">← Newest deliveries</a></p>');
  });

  it('should answer 404 for an unknown form or submission', async () => {
    expect((await page('/admin/forms/nope', cookie)).res.status).toBe(404);
    expect((await page('/admin/submissions/nope', cookie)).res.status).toBe(404);
  });

  it('should show one submission with its deliveries', async () => {
    const id = await submit({ name: 'Alice', email: 'alice@example.com', message: 'Hello there' });
    const [delivery] = ((await (await t.api(`/submissions/${id}`)).json()) as { deliveries: { id: string; messageId: string }[] })
      .deliveries;
    const { res, html } = await page(`/admin/submissions/${id}`, cookie);
    expect(res.status).toBe(200);
    expect(html).toContain('<th><bdi>message</bdi></th><td><bdi>Hello there</bdi></td>');
    expect(html).toContain('reply to alice@example.com');
    expect(html).toContain('Email to owner@site.test: held');
    expect(html).toContain(delivery!.messageId.replace('<', '&lt;').replace('>', '&gt;'));
    // Held waits for SMTP_URL: a retry button would do nothing the owner could see.
    expect(html).toContain('Held: it goes out once the server runs with SMTP_URL set.');
    expect(html).not.toContain(`action="/admin/deliveries/${delivery!.id}/retry"`);
  });

  it('should say which box was wrong when a search is refused', async () => {
    const { res, html } = await page(`/admin/forms/contact?q=${'x'.repeat(201)}`, cookie);
    expect(res.status).toBe(422);
    expect(html).toMatch(/<li><strong>q<\/strong>: Too big: expected string to have &lt;=200 characters<\/li>/);
  });

  it('should show the search it was given as text', async () => {
    const { html } = await page(`/admin/forms/contact?q=${encodeURIComponent('"><b>x</b>')}`, cookie);
    expect(html).toContain('<input id="q" name="q" value="&quot;&gt;&lt;b&gt;x&lt;/b&gt;">');
    expect(html).not.toContain('<b>');
  });

  it('should cut the list preview between characters, never inside one', async () => {
    await submit({ message: `${'x'.repeat(119)}😀😀` });
    const { html } = await page('/admin/forms/contact', cookie);
    expect(html).toContain(`<bdi>${'x'.repeat(119)}😀</bdi></td>`);
    expect(html).not.toMatch(/\uFFFD/);
  });

  it('should export CSV and JSON from links on the form page, formulas neutralised in CSV', async () => {
    const id = await submit({ message: '=1+1' });
    const { html } = await page('/admin/forms/contact', cookie);
    const links = [...html.matchAll(/href="(\/admin\/forms\/contact\/export\?format=(csv|json))"/g)].map((m) => m[1]!);
    expect(links).toHaveLength(2);
    const [csv, json] = await Promise.all(links.map((link) => t.app.request(link, { headers: { cookie } })));
    expect(csv!.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv!.headers.get('content-disposition')).toBe('attachment; filename="contact-submissions.csv"');
    expect(await csv!.text()).toMatch(/,'=1\+1\r\n$/);
    expect(json!.headers.get('content-disposition')).toBe('attachment; filename="contact-submissions.json"');
    // The export's address before JSON joined it still leads there.
    const old = await t.app.request('/admin/forms/contact/export.csv', { headers: { cookie } });
    expect(old.status).toBe(301);
    expect(old.headers.get('location')).toBe('/admin/forms/contact/export?format=csv');
    expect(await json!.json()).toMatchObject([{ id, formId: 'contact', data: { message: '=1+1' } }]);
    // The same CSV for Excel, which needs a byte-order mark to read UTF-8.
    expect(html).toContain('href="/admin/forms/contact/export?format=csv&amp;excel=1">CSV for Excel</a>');
    const excel = new Uint8Array(
      await (await t.app.request('/admin/forms/contact/export?format=csv&excel=1', { headers: { cookie } })).arrayBuffer(),
    );
    expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(excel)).toMatch(/^\uFEFFid,createdAt,status,message\r\n.*,'=1\+1\r\n$/s);
  });

  it('should carry a strict Content-Security-Policy and no framing on every page', async () => {
    const id = await submit({ message: 'hi' });
    for (const path of ['/admin', '/admin/forms/contact', `/admin/submissions/${id}`, '/admin/forms/nope']) {
      const { res } = await page(path, cookie);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toMatch(/script-src/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
    }
    for (const path of ['/admin', '/admin/forms/contact', `/admin/submissions/${id}`]) {
      expect((await page(path, cookie)).res.headers.get('content-security-policy')).toMatch(/form-action 'self'(;|$)/);
    }
    expect((await page('/admin')).res.headers.get('content-security-policy')).toMatch(/^default-src 'none';.*form-action 'self'(;|$)/);
  });
});

describe('admin state changes need a session and the CSRF token', () => {
  let cookie: string;
  let id: string;
  let token: string;
  beforeEach(async () => {
    cookie = await session();
    id = await submit({ message: 'hi' });
    token = csrfTokenOf((await page(`/admin/submissions/${id}`, cookie)).html);
  });

  it("should change the status with the page's CSRF token", async () => {
    const res = await post(`/admin/submissions/${id}/status`, { _csrf: token, status: 'spam' }, { cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/submissions/${id}`);
    expect(await statusOf(id)).toBe('spam');
  });

  it.each([
    ['without the token', {}, ORIGIN],
    ['with a wrong token', { _csrf: 'f'.repeat(64) }, ORIGIN],
    ['with an empty token', { _csrf: '' }, ORIGIN],
  ])('should answer 403 %s and change nothing', async (_, extra, origin) => {
    const res = await post(`/admin/submissions/${id}/status`, { ...extra, status: 'spam' }, { cookie, origin });
    expect(res.status).toBe(403);
    expect(await statusOf(id)).toBe('inbox');
  });

  it('should answer 403 to a post from another origin even with the token, and change nothing', async () => {
    const res = await post(`/admin/submissions/${id}/status`, { _csrf: token, status: 'spam' }, { cookie, origin: 'https://evil.test' });
    expect(res.status).toBe(403);
    expect(await statusOf(id)).toBe('inbox');
  });

  it('should answer 403 to a token from another session', async () => {
    t.clock.advance(1000);
    const other = await session();
    const res = await post(`/admin/submissions/${id}/status`, { _csrf: token, status: 'spam' }, { cookie: other });
    expect(res.status).toBe(403);
    expect(await statusOf(id)).toBe('inbox');
  });

  it('should answer 403 to a JSON post, which skips the origin check, without the token', async () => {
    const res = await t.app.request(`/admin/submissions/${id}/status`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'spam' }),
    });
    expect(res.status).toBe(403);
    expect(await statusOf(id)).toBe('inbox');
  });

  it('should refuse a post without a session and change nothing', async () => {
    const res = await post(`/admin/submissions/${id}/status`, { _csrf: token, status: 'spam' });
    expect(res.status).toBe(401);
    expect(await res.text()).toMatch(loginForm);
    expect(await statusOf(id)).toBe('inbox');
  });

  it('should lead back to the page a post came from when the session had ended, never to another site', async () => {
    const from = async (referer: string) =>
      (
        await t.app.request(`/admin/submissions/${id}/status`, {
          method: 'POST',
          headers: { origin: ORIGIN, referer },
          body: form({ _csrf: token, status: 'spam' }),
        })
      ).text();
    expect(await from(`${ORIGIN}/admin/submissions/${id}`)).toContain(`<input type="hidden" name="next" value="/admin/submissions/${id}">`);
    expect(await from(`${ORIGIN}/f/contact`)).toContain('<input type="hidden" name="next" value="/admin">');
    expect(await from('https://evil.test/admin/x')).not.toContain('name="next"');
  });

  it('should show the login form instead of any page without a session', async () => {
    for (const path of [
      '/admin/forms/contact',
      `/admin/submissions/${id}`,
      '/admin/forms/contact/export?format=json',
      '/admin/deliveries',
    ]) {
      const { html } = await page(path);
      expect(html).toMatch(loginForm);
      expect(html).not.toMatch(/Contact|<bdi>|Delivery|"data"/);
    }
  });

  it('should retry a delivery with the token and come back to the submission', async () => {
    const [delivery] = ((await (await t.api(`/submissions/${id}`)).json()) as { deliveries: { id: string }[] }).deliveries;
    const res = await post(`/admin/deliveries/${delivery!.id}/retry`, { _csrf: token }, { cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/submissions/${id}`);
  });

  it('should answer 404 to a retry of an unknown delivery', async () => {
    expect((await post('/admin/deliveries/nope/retry', { _csrf: token }, { cookie })).status).toBe(404);
  });

  it('should delete a submission and its deliveries only when the deletion is confirmed', async () => {
    expect((await post(`/admin/submissions/${id}/delete`, { confirm: 'yes' }, { cookie })).status).toBe(403);
    expect((await post(`/admin/submissions/${id}/delete`, { _csrf: token }, { cookie })).status).toBe(422);
    expect(await statusOf(id)).toBe('inbox');
    const res = await post(`/admin/submissions/${id}/delete`, { _csrf: token, confirm: 'yes' }, { cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/forms/contact');
    expect((await t.api(`/submissions/${id}`)).status).toBe(404);
    expect(((await (await t.api('/deliveries')).json()) as { items: unknown[] }).items).toEqual([]);
    expect((await post(`/admin/submissions/${id}/delete`, { _csrf: token, confirm: 'yes' }, { cookie })).status).toBe(404);
  });

  it('should frame and confine its refusals like its pages', async () => {
    const refusals = [
      await post(`/admin/submissions/${id}/status`, { _csrf: token, status: 'spam' }, { cookie, origin: 'https://evil.test' }),
      await t.app.request('/admin/login', {
        method: 'POST',
        headers: { origin: ORIGIN },
        body: form({ password: 'x'.repeat(100 * 1024) }),
      }),
      await post('/admin/submissions/nope/status', { _csrf: token, status: 'spam' }, { cookie }),
    ];
    expect(refusals.map((res) => res.status)).toEqual([403, 413, 404]);
    for (const res of refusals) {
      expect(res.headers.get('content-security-policy')).toMatch(/^default-src 'none';.*form-action 'self'(;|$)/);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(await res.text()).toContain('<a href="/admin">Back to the admin</a>');
    }
  });

  it('should answer 404 to a status change of an unknown submission', async () => {
    expect((await post('/admin/submissions/nope/status', { _csrf: token, status: 'spam' }, { cookie })).status).toBe(404);
  });
});

describe('admin pages escape what visitors and owners typed', () => {
  const payloads = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    'javascript:alert(1)',
    '<svg onload=alert(1)><use href="data:image/svg+xml,x"/></svg>',
    '"><a href="javascript:alert(1)">x</a>',
  ];

  it('should show HTML in every field, field name and form name as text', async () => {
    await t.createForm({ id: 'xss', name: '<script>alert("name")</script>', recipients: ['owner@site.test'] });
    const data = Object.fromEntries(
      payloads.flatMap((p, i) => [
        [`f${i}`, p],
        [`<b>${i}</b>`, p],
      ]),
    );
    const id = await submit({ ...data, list: payloads, email: 'alice@example.com', _replyto: 'alice@example.com' }, 'xss');
    const cookie = await session();
    for (const path of ['/admin', '/admin/forms/xss', `/admin/submissions/${id}`]) {
      const { res, html } = await page(path, cookie);
      expect(res.status).toBe(200);
      expect(html).not.toMatch(/<script|<img|<svg|<use|<a href="javascript|<b>/i);
      expect(html).toContain('&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;');
    }
    const { html } = await page(`/admin/submissions/${id}`, cookie);
    expect(html).toContain('<th><bdi>f0</bdi></th><td><bdi>&lt;script&gt;alert(1)&lt;/script&gt;</bdi></td>');
    expect(html).toContain('<th><bdi>f1</bdi></th><td><bdi>&lt;img src=x onerror=alert(1)&gt;</bdi></td>');
    expect(html).toContain('<th><bdi>f2</bdi></th><td><bdi>javascript:alert(1)</bdi></td>');
    expect(html).toContain('<th><bdi>&lt;b&gt;3&lt;/b&gt;</bdi></th><td><bdi>&lt;svg onload=alert(1)&gt;');
    expect(html).toContain('<th><bdi>f4</bdi></th><td><bdi>&quot;&gt;&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;</bdi></td>');
  });
});

describe('admin pages show what others typed as it is', () => {
  it('should isolate each value and show direction overrides, so one field cannot reverse another', async () => {
    await t.createForm({ id: 'rtl', name: '\u202eevil', recipients: ['owner@site.test'] });
    const id = await submit({ name: '\u202eJohn', file: '\u202egnp.exe', message: 'Refund order 1234' }, 'rtl');
    const cookie = await session();
    const list = (await page('/admin/forms/rtl', cookie)).html;
    expect(list).toContain('<bdi>[U+202E]John</bdi> · <bdi>[U+202E]gnp.exe</bdi> · <bdi>Refund order 1234</bdi>');
    expect(list).toContain('<h1><bdi>[U+202E]evil</bdi></h1>');
    expect((await page(`/admin/submissions/${id}`, cookie)).html).toContain('<th><bdi>name</bdi></th><td><bdi>[U+202E]John</bdi></td>');
    for (const path of ['/admin', '/admin/forms/rtl', `/admin/submissions/${id}`])
      expect((await page(path, cookie)).html).not.toContain('\u202e');
  });
});

describe('admin deliveries', () => {
  it('should list the failed deliveries of every form, linked from the outbox counts', async () => {
    const smtp = await startSmtpSink();
    // A server's reply is text from elsewhere too.
    smtp.behaviour.rcpt = '550 5.1.1 <img src=x onerror=alert(1)> No such user here';
    await t.close();
    t = await testApp({ smtpUrl: smtp.url });
    try {
      await t.createForm({ id: 'contact', name: 'Contact' });
      await t.createForm({ id: 'quote', name: 'Quote' });
      const ids = [await submit({ message: 'one' }), await submit({ message: 'two' }, 'quote')];
      await t.settle();
      const cookie = await session();
      const home = (await page('/admin', cookie)).html;
      expect(home).toContain('<a href="/admin/deliveries?status=failed" class="error">2 failed</a>');
      // Each count links to exactly the deliveries it counts: being sent is not pending.
      expect(home).toContain(
        '<a href="/admin/deliveries?status=pending">0 pending</a>, <a href="/admin/deliveries?status=sending">0 being sent</a>',
      );
      const failed = (await page('/admin/deliveries?status=failed', cookie)).html;
      for (const id of ids) expect(failed).toContain(`<a href="/admin/submissions/${id}">`);
      expect(failed.match(/550 5\.1\.1 &lt;img src=x onerror=alert\(1\)&gt; No such user here/g)).toHaveLength(2);
      const submission = (await page(`/admin/submissions/${ids[0]}`, cookie)).html;
      expect(submission).toMatch(/action="\/admin\/deliveries\/[^"]+\/retry">.*Retry now/);
      // In the last reply and in the attempt's row.
      expect(submission.match(/550 5\.1\.1 &lt;img src=x onerror=alert\(1\)&gt; No such user here/g)).toHaveLength(2);
      for (const html of [failed, submission]) expect(html).not.toContain('<img');
      expect((await page('/admin/deliveries?status=sent', cookie)).html).toContain('No deliveries are sent.');
      expect((await page('/admin/deliveries?status=bogus', cookie)).res.status).toBe(422);
    } finally {
      await smtp.close();
    }
  });
});

describe('admin form editor', () => {
  let cookie: string;
  let token: string;
  beforeEach(async () => {
    cookie = await session();
    token = csrfTokenOf((await page('/admin/new-form', cookie)).html);
  });
  const formOf = async (id: string) => (await t.api(`/forms/${id}`)).json() as Promise<Record<string, unknown>>;

  it('should create a form from the home page link, lists one per line, fields as JSON', async () => {
    expect((await page('/admin', cookie)).html).toContain('<a href="/admin/new-form">New form</a>');
    const res = await post(
      '/admin/new-form',
      {
        _csrf: token,
        id: 'quote',
        name: 'Quote request',
        recipients: 'sales@site.test\r\nboss@site.test',
        allowedOrigins: 'https://Site.test\nhttps://www.site.test:443',
        redirectUrl: 'https://site.test/thanks',
        subject: 'Quote from {{name}}',
        extraFields: 'reject',
        fields: '[{"name": "email", "type": "email", "required": true}]',
      },
      { cookie },
    );
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/forms/quote');
    expect(await formOf('quote')).toMatchObject({
      name: 'Quote request',
      recipients: ['sales@site.test', 'boss@site.test'],
      allowedOrigins: ['https://site.test', 'https://www.site.test'],
      redirectUrl: 'https://site.test/thanks',
      subject: 'Quote from {{name}}',
      extraFields: 'reject',
      fields: [{ name: 'email', type: 'email', required: true }],
    });
    const submitted = await t.app.request('/f/quote', {
      method: 'POST',
      headers: { accept: 'application/json' },
      body: form({ email: 'x' }),
    });
    expect(await submitted.json()).toMatchObject({ error: 'validation', fields: { email: ['Enter a valid email address'] } });
  });

  it('should give a generated id when none is asked for', async () => {
    const res = await post('/admin/new-form', { _csrf: token, name: 'Contact 2', recipients: 'a@site.test' }, { cookie });
    const id = /^\/admin\/forms\/([\w-]+)$/.exec(res.headers.get('location')!)![1]!;
    expect(await formOf(id)).toMatchObject({ id, name: 'Contact 2', allowedOrigins: [], fields: [], extraFields: 'keep' });
  });

  it('should name field checks by their place in the list, counting from 1', async () => {
    const res = await post(
      '/admin/new-form',
      { _csrf: token, name: 'X', recipients: 'a@site.test', fields: '[{"name": "a", "type": "text"}, {"name": "b", "type": "select"}]' },
      { cookie },
    );
    expect(await res.text()).toContain('<p class="error" id="fields-error">field 2 (options): a select field needs options</p>');
  });

  it('should save a form with a long list of field checks, as the API takes it', async () => {
    const fields = Array.from({ length: 160 }, (_, i) => ({
      name: `choice${i}`,
      type: 'select',
      options: Array.from({ length: 12 }, (_, j) => `option ${j} of ${i}`),
    }));
    expect(
      (await t.api('/forms', { method: 'POST', body: JSON.stringify({ id: 'big', name: 'Big', recipients: ['a@site.test'], fields }) }))
        .status,
    ).toBe(201);
    const edit = (await page('/admin/forms/big/edit', cookie)).html;
    const shown = /<textarea id="fields" name="fields"[^>]*>([^<]*)<\/textarea>/.exec(edit)![1]!.replace(/&quot;/g, '"');
    const res = await post(
      '/admin/forms/big/edit',
      {
        _csrf: token,
        name: 'Bigger',
        recipients: 'a@site.test',
        allowedOrigins: '',
        redirectUrl: '',
        subject: '',
        extraFields: 'keep',
        fields: shown,
      },
      { cookie },
    );
    expect(res.status).toBe(303);
    expect(await formOf('big')).toMatchObject({ name: 'Bigger', fields });
  });

  it('should show each mistake at its box, keep what was typed, and create nothing', async () => {
    const res = await post(
      '/admin/new-form',
      {
        _csrf: token,
        id: 'bad id',
        name: '<b>Mine</b>',
        recipients: 'ok@site.test\nnot an address',
        allowedOrigins: 'https://site.test/path',
        fields: '[{"name": "x"',
      },
      { cookie },
    );
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('<p class="error" id="recipients-error">&quot;not an address&quot;: must be a plain email address</p>');
    expect(html).toContain('aria-describedby="allowedOrigins-error"');
    expect(html).toContain('<p class="error" id="fields-error">Write the fields as a JSON list, like the example</p>');
    expect(html).toContain('<p class="error" id="id-error">');
    expect(html).toContain('value="&lt;b&gt;Mine&lt;/b&gt;"');
    expect(html).toContain('>ok@site.test\nnot an address</textarea>');
    expect(((await (await t.api('/forms')).json()) as { items: unknown[] }).items).toHaveLength(1);
  });

  it('should refuse an id that is taken with 409 and leave that form alone', async () => {
    const res = await post('/admin/new-form', { _csrf: token, id: 'contact', name: 'Other', recipients: 'x@site.test' }, { cookie });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('A form with this id exists; choose another');
    expect(await formOf('contact')).toMatchObject({ name: 'Contact' });
  });

  it('should edit a form from its page, keeping its id, and refuse a post without the token', async () => {
    const edit = await page('/admin/forms/contact/edit', cookie);
    expect((await page('/admin/forms/contact', cookie)).html).toContain('<a href="/admin/forms/contact/edit">Edit form</a>');
    expect(edit.html).toContain('>owner@site.test</textarea>');
    expect(edit.html).not.toContain('name="id"');
    const changes = {
      name: 'Contact us',
      recipients: 'new@site.test',
      allowedOrigins: '',
      redirectUrl: '',
      subject: '',
      extraFields: 'keep',
      fields: '',
    };
    expect((await post('/admin/forms/contact/edit', changes, { cookie })).status).toBe(403);
    const res = await post('/admin/forms/contact/edit', { _csrf: token, ...changes, id: 'renamed' }, { cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/forms/contact');
    expect(await formOf('contact')).toMatchObject({ id: 'contact', name: 'Contact us', recipients: ['new@site.test'] });
    expect((await t.api('/forms/renamed')).status).toBe(404);
    expect((await post('/admin/forms/nope/edit', { _csrf: token, ...changes }, { cookie })).status).toBe(404);
  });
});
