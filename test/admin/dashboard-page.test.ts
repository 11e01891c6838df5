import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { deliveries } from '../../src/db/schema.ts';
import { testApp, type TestApp } from '../support/app.ts';
import { adminBrowser } from '../support/admin.ts';

let t: TestApp;
afterEach(() => t.close());

const { session, page, submit } = adminBrowser(() => t);
const cardOf = (html: string, formId: string) => html.slice(html.indexOf(`data-form="${formId}"`)).split('</li>')[0]!;
const countIn = (card: string, name: string) => new RegExp(`data-count="${name}">(?:<[^>]+>)?(\\d+)`).exec(card)?.[1];

describe('the dashboard', () => {
  beforeEach(async () => {
    t = await testApp();
    await t.createForm({ id: 'contact', name: 'Contact' });
    await t.createForm({ id: 'quote', name: 'Quote' });
  });

  it('should show each form with its new, this month and spam counts and the last sender', async () => {
    await submit({ email: 'anna@site.test', message: 'hello' });
    await submit({ message: 'casino', _gotcha: 'bot' });
    await submit({ email: 'chen@site.test', message: 'second' });
    const cookie = await session();
    const { res, html } = await page('/admin', cookie);
    expect(res.status).toBe(200);
    const card = cardOf(html, 'contact');
    expect([countIn(card, 'unread'), countIn(card, 'month'), countIn(card, 'spam')]).toEqual(['2', '2', '1']);
    expect(card).toContain('chen@site.test');
    expect(countIn(cardOf(html, 'quote'), 'unread')).toBe('0');
  });

  it('should draw 30 days of bars with the same numbers as a table for screen readers', async () => {
    await submit({ message: 'one' });
    await submit({ message: 'two' });
    const { html } = await page('/admin', await session());
    const card = cardOf(html, 'contact');
    expect(card).toMatch(/<svg[^>]*aria-hidden="true"/);
    expect(card.match(/<rect /g)).toHaveLength(30);
    expect(card).toContain('Submissions in the last 30 days: 2');
    // The clock starts on 2026-01-01: today is the table's last row.
    expect(card).toContain('<td>2026-01-01</td><td>2</td>');
  });

  it('should warn that mail is not configured and count the outbox per channel', async () => {
    await submit({ message: 'held for SMTP' });
    const { html } = await page('/admin', await session());
    expect(html).toContain('Mail is not configured');
    expect(html).toMatch(/data-channel="email">[\s\S]*?<td[^>]*>0<\/td><td[^>]*>1<\/td><td[^>]*>0<\/td>/);
  });

  it('should warn of failed and of stuck deliveries', async () => {
    await submit({ message: 'one' });
    await submit({ message: 'two' });
    const cookie = await session();
    expect((await page('/admin', cookie)).html).not.toContain('Deliveries that failed');
    const [first, second] = await t.deps.db.select().from(deliveries);
    await t.database.db.update(deliveries).set({ status: 'failed' }).where(eq(deliveries.id, first!.id));
    // Due an hour ago and never picked up: the sweep is not running.
    await t.database.db
      .update(deliveries)
      .set({ status: 'pending', nextAttemptAt: t.clock.now() - 3_600_000 })
      .where(eq(deliveries.id, second!.id));
    const { html } = await page('/admin', cookie);
    expect(html).toContain('Deliveries that failed: 1');
    expect(html).toContain('Deliveries stuck (due long ago, not sent): 1');
  });
});
