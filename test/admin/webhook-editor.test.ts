import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminBrowser, csrfTokenOf } from '../support/admin.ts';
import { testApp, type TestApp } from '../support/app.ts';

// A form's webhooks in the admin (/admin/forms/:id/webhooks): saved by the same code as the
// API's, so the secret shows once and the same targets are refused.

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
  await t.createForm({ id: 'contact', name: 'Contact' });
});
afterEach(() => t.close());

const { session, page, post } = adminBrowser(() => t);
const PAGE = '/admin/forms/contact/webhooks';
type StoredHook = { id: string; url: string; format: string; secret: string };

async function storedWebhooks(): Promise<StoredHook[]> {
  const { rows } = await t.database.client.execute(`SELECT webhooks FROM forms WHERE id = 'contact'`);
  return JSON.parse(String(rows[0]!.webhooks)) as StoredHook[];
}

describe('webhooks in the admin', () => {
  let cookie: string;
  let token: string;
  beforeEach(async () => {
    cookie = await session();
    token = csrfTokenOf((await page(PAGE, cookie)).html);
  });

  it('should be reached from the form page and say there are none yet', async () => {
    expect((await page('/admin/forms/contact', cookie)).html).toContain(`<a href="${PAGE}">Webhooks</a>`);
    const { res, html } = await page(PAGE, cookie);
    expect(res.status).toBe(200);
    expect(html).toContain('No webhooks yet.');
  });

  it('should add a signed webhook, show its secret once, never again, and list it', async () => {
    const res = await post(PAGE, { _csrf: token, format: 'standard', url: 'https://crm.example.com/hooks/formharbor' }, { cookie });
    expect(res.status).toBe(201);
    const [stored] = await storedWebhooks();
    expect(stored).toMatchObject({ url: 'https://crm.example.com/hooks/formharbor', format: 'standard' });
    expect(stored!.secret).toMatch(/^whsec_/);
    const answer = await res.text();
    expect(answer).toContain(stored!.secret);
    expect(answer).toContain('shown only now');

    const later = await page(PAGE, cookie);
    expect(later.html).toContain('https://crm.example.com/hooks/formharbor');
    expect(later.html).not.toContain(stored!.secret);
    expect((await page('/admin/forms/contact/edit', cookie)).html).not.toContain(stored!.secret);
  });

  it('should keep the secrets of the webhooks already there when one is added or removed', async () => {
    await post(PAGE, { _csrf: token, format: 'standard', url: 'https://one.example.com/hook' }, { cookie });
    await post(PAGE, { _csrf: token, format: 'slack', url: 'https://hooks.slack.com/services/T0/B0/X' }, { cookie });
    const [first, second] = await storedWebhooks();
    expect(second).toMatchObject({ format: 'slack' });

    const removed = await post(`${PAGE}/${second!.id}/delete`, { _csrf: token }, { cookie });
    expect(removed.status).toBe(303);
    expect(removed.headers.get('location')).toBe(PAGE);
    expect(await storedWebhooks()).toEqual([first]);
  });

  it.each([
    ['http://127.0.0.1:8080/hook', 'must be an https URL'],
    ['https://10.0.0.1/hook', 'must not point to a loopback, private or link-local address'],
    ['https://[fc00::1]/hook', 'must not point to a loopback, private or link-local address'],
    ['https://localhost/hook', 'must not point to this machine'],
    ['javascript:alert(1)', 'must be an https URL'],
  ])('should refuse %s with a clear message and save nothing', async (url, message) => {
    const res = await post(PAGE, { _csrf: token, format: 'standard', url }, { cookie });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain(message);
    expect(html).toContain('role="alert"');
    expect(await storedWebhooks()).toEqual([]);
  });

  it('should escape HTML in a stored URL', async () => {
    await post(PAGE, { _csrf: token, format: 'discord', url: 'https://x.example.com/h?a="><script>alert(1)</script>' }, { cookie });
    const { html } = await page(PAGE, cookie);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;');
  });

  it('should refuse a cross-site post and one without the CSRF token, changing nothing', async () => {
    const crossSite = await post(PAGE, { _csrf: token, url: 'https://evil.example.com/hook' }, { cookie, origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    const noToken = await post(PAGE, { url: 'https://evil.example.com/hook' }, { cookie });
    expect(noToken.status).toBe(403);
    const noSession = await post(PAGE, { _csrf: token, url: 'https://evil.example.com/hook' });
    expect([303, 401, 403]).toContain(noSession.status);
    expect(await storedWebhooks()).toEqual([]);
  });

  it('should answer 404 for a webhook that is not there', async () => {
    const res = await post(`${PAGE}/nope/delete`, { _csrf: token }, { cookie });
    expect(res.status).toBe(404);
  });
});
