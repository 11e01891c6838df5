import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formCard, stuckDeliveries, ulidFloor, unreadCounts } from '../../src/db/dashboard.ts';
import { deliveries } from '../../src/db/schema.ts';
import { markAllRead, markRead } from '../../src/db/submissions.ts';
import { ulid } from '../../src/ids.ts';
import { submitTo } from '../support/admin.ts';
import { testApp, type TestApp } from '../support/app.ts';

const DAY = 86_400_000;
let t: TestApp;
beforeEach(async () => {
  t = await testApp();
  await t.createForm({ id: 'contact' });
  await t.createForm({ id: 'quote' });
});
afterEach(async () => {
  await t.close();
});

describe('ulidFloor', () => {
  it('should sort at or before every id made at that time and after every id made before it', () => {
    // Times before the test clock's start: ulid() is monotonic in a process, so a later time here would date every later id.
    for (const time of [0, 1, Date.UTC(2025, 11, 5, 3, 4, 5, 678), Date.UTC(2025, 11, 31)]) {
      expect(ulidFloor(time) <= ulid(time)).toBe(true);
      expect(ulid(time) < ulidFloor(time + 1)).toBe(true);
    }
  });
});

describe('the dashboard counts', () => {
  it('should count new mail per form, this month, spam, the last sender and a bar per day', async () => {
    // 2026-01-01 is the clock's start: one message on each of three days, a spam, one on another form.
    await submitTo(t, 'contact', { email: 'anna@site.test', message: 'day one' });
    t.clock.advance(DAY);
    await submitTo(t, 'contact', { message: 'casino', _gotcha: 'bot' });
    const second = await submitTo(t, 'contact', { name: 'Müller', message: 'day two' });
    t.clock.advance(2 * DAY);
    const third = await submitTo(t, 'contact', { email: 'chen@site.test', message: 'day four' });
    await submitTo(t, 'quote', { message: 'other form' });

    const now = t.clock.now();
    const chartStart = Date.UTC(2026, 0, 4) - 29 * DAY;
    const card = await formCard(t.deps.db, 'contact', { monthStart: Date.UTC(2026, 0, 2), chartStart, days: 30 });
    expect(card).toMatchObject({
      unread: 3,
      sinceMonthStart: 2,
      spam: 1,
      last: { id: third, createdAt: expect.any(Number), sender: 'chen@site.test' },
    });
    expect(card.perDay.slice(-4)).toEqual([1, 1, 0, 1]);
    expect(card.perDay.reduce((a, b) => a + b)).toBe(3);
    expect(await unreadCounts(t.deps.db)).toEqual(
      new Map([
        ['contact', 3],
        ['quote', 1],
      ]),
    );

    await markRead(t.deps.db, second, now);
    await markRead(t.deps.db, second, now + 5);
    expect((await formCard(t.deps.db, 'contact', { monthStart: 0, chartStart, days: 30 })).unread).toBe(2);
    expect(await markAllRead(t.deps.db, 'contact', now)).toBe(3);
    expect(await unreadCounts(t.deps.db)).toEqual(new Map([['quote', 1]]));
    expect((await t.deps.db.query.submissions.findFirst({ where: (s, { eq }) => eq(s.id, second) }))?.readAt).toBe(now);
  });

  it('should count a delivery as stuck only when due past the grace or sending past its lease', async () => {
    await submitTo(t, 'contact', { message: 'held, not stuck' });
    const now = t.clock.now();
    expect(await stuckDeliveries(t.deps.db, now + DAY, 60_000)).toBe(0);
    // Rewritten by hand: the states the outbox leaves behind when it stops or falls behind.
    await t.deps.db.update(deliveries).set({ status: 'pending', nextAttemptAt: now - 120_000 });
    expect(await stuckDeliveries(t.deps.db, now, 60_000)).toBe(1);
    expect(await stuckDeliveries(t.deps.db, now, 600_000)).toBe(0);
    await t.deps.db.update(deliveries).set({ status: 'sending', leaseUntil: now + 1000 });
    expect(await stuckDeliveries(t.deps.db, now, 60_000)).toBe(0);
    expect(await stuckDeliveries(t.deps.db, now + 2000, 60_000)).toBe(1);
  });
});
