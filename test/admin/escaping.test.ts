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
      // The dashboard's own charts are SVG of bare lines and bars; any other SVG is someone's payload.
      const withoutCharts = html.replace(
        /<svg viewBox="0 0 300 60"[^>]*>(?:<(line|rect)(?: [\w-]+="(?:[\d.]+|currentColor)")*><\/\1>)*<\/svg>/g,
        '',
      );
      expect(withoutCharts).not.toMatch(/<script|<img|<svg|<use|<a href="javascript|<b>/i);
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
