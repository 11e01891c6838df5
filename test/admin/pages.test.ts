import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../support/app.ts';
import { adminBrowser } from '../support/admin.ts';

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
  await t.createForm({ id: 'contact', name: 'Contact' });
});
afterEach(() => t.close());

const { session, page, submit } = adminBrowser(() => t);

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
    expect(html).toMatch(/<li><strong>q<\/strong>: must be at most 200 characters long<\/li>/);
  });

  it('should show the search it was given as text', async () => {
    const { html } = await page(`/admin/forms/contact?q=${encodeURIComponent('"><b>x</b>')}`, cookie);
    expect(html).toContain('<input id="q" name="q" value="&quot;&gt;&lt;b&gt;x&lt;/b&gt;"/>');
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
    expect(new TextDecoder('utf-8', { ignoreBOM: true }).decode(excel)).toMatch(
      /^\uFEFFid,createdAt,status,spamReasons,message\r\n.*,'=1\+1\r\n$/s,
    );
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
