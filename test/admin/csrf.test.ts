import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { form, testApp, type TestApp } from '../support/app.ts';
import { adminBrowser, csrfTokenOf, loginForm, ORIGIN } from '../support/admin.ts';

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
  await t.createForm({ id: 'contact', name: 'Contact' });
});
afterEach(() => t.close());

const { session, page, post, submit, statusOf } = adminBrowser(() => t);

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
    expect(await from(`${ORIGIN}/admin/submissions/${id}`)).toContain(
      `<input type="hidden" name="next" value="/admin/submissions/${id}"/>`,
    );
    expect(await from(`${ORIGIN}/f/contact`)).toContain('<input type="hidden" name="next" value="/admin"/>');
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
