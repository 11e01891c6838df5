import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliveries } from '../../src/db/schema.ts';
import { listDeliveries } from '../../src/db/delivery-reads.ts';
import { testApp, type TestApp } from '../support/app.ts';
import { adminBrowser, csrfTokenOf } from '../support/admin.ts';

let t: TestApp;
afterEach(() => t.close());

const { session, page, post, submit } = adminBrowser(() => t);

describe('the reply link', () => {
  beforeEach(async () => {
    t = await testApp();
    await t.createForm({ id: 'contact', subject: 'Question from {{name}}' });
  });

  it("should answer the visitor's address with Re: and the notification's subject, percent-encoded", async () => {
    const id = await submit({ name: 'Anna & co\r\nBcc: x@evil.test', email: 'anna@site.test', message: 'hi' });
    const { html } = await page(`/admin/submissions/${id}`, await session());
    const href = /<a href="(mailto:[^"]*)">Reply by email<\/a>/.exec(html)?.[1];
    // The line break is gone and the & encoded: nothing in the subject becomes another mailto header.
    expect(href).toBe('mailto:anna@site.test?subject=Re%3A%20Question%20from%20Anna%20%26%20co%20Bcc%3A%20x%40evil.test');
    expect(new URL(href!).searchParams.get('subject')).toBe('Re: Question from Anna & co Bcc: x@evil.test');
  });

  it('should offer no reply link without a valid address', async () => {
    const id = await submit({ name: 'Anna', message: 'no address' });
    const answerable = await submit({ name: 'Ben', email: 'ben@site.test', message: 'an address' });
    const cookie = await session();
    expect((await page(`/admin/submissions/${answerable}`, cookie)).html).toContain('href="mailto:ben@site.test?');
    expect((await page(`/admin/submissions/${id}`, cookie)).html).not.toContain('mailto:');
  });
});

describe('deliveries by channel', () => {
  beforeEach(async () => {
    t = await testApp({ env: { WEBHOOK_ALLOW_PRIVATE: '1' } });
    await t.createForm({
      id: 'contact',
      webhooks: [{ id: 'crm', url: 'http://127.0.0.1:9/hook', secret: 'whsec_dGVzdHNlY3JldA==', format: 'standard' }],
      autoReply: { subject: 'Thanks', text: 'We will answer soon.' },
    });
  });

  it("should show each delivery with its channel on the submission's page and filter the deliveries page by channel", async () => {
    const id = await submit({ email: 'ada@site.test', message: 'hello' });
    const cookie = await session();
    const html = (await page(`/admin/submissions/${id}`, cookie)).html;
    expect(html).toContain('<h3>Email to owner@site.test:');
    expect(html).toContain('<h3>Webhook to crm:');
    expect(html).toContain('<h3>Auto-reply to ada@site.test:');
    const dashboard = (await page('/admin', cookie)).html;
    for (const channel of ['email', 'webhook', 'autoreply']) expect(dashboard).toContain(`data-channel="${channel}"`);
    const webhooks = (await page('/admin/deliveries?channel=webhook', cookie)).html;
    expect(webhooks).toContain('<td data-label="Channel">Webhook</td>');
    expect(webhooks).not.toContain('<td data-label="Channel">Email</td>');
  });

  it('should make every failed delivery of the chosen channel due again with one POST', async () => {
    await submit({ message: 'one' });
    await submit({ message: 'two' });
    await t.database.db.update(deliveries).set({ status: 'failed' });
    const cookie = await session();
    const token = csrfTokenOf((await page('/admin/deliveries', cookie)).html);
    const res = await post('/admin/deliveries/retry-failed?channel=email', { _csrf: token }, { cookie });
    expect(res.status).toBe(303);
    const rows = await listDeliveries(t.deps.db, { limit: 10 });
    expect(rows.filter((d) => d.channel === 'email').map((d) => d.status)).toEqual(['held', 'held']);
    expect(rows.filter((d) => d.channel === 'webhook').map((d) => d.status)).toEqual(['failed', 'failed']);
    expect(await t.database.db.select().from(deliveries).where(eq(deliveries.status, 'failed'))).toHaveLength(2);
  });
});
