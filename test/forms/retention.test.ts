import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listDeliveries } from '../../src/db/delivery-reads.ts';
import { getSubmission } from '../../src/db/submissions.ts';
import { sweepRetention } from '../../src/forms/retention.ts';
import { testApp, type TestApp } from '../support/app.ts';
import { apiClient, submitTo } from '../support/admin.ts';

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

const { send } = apiClient(() => t);
const DAY = 86_400_000;
const exists = async (id: string) => (await getSubmission(t.deps.db, id)) !== undefined;

describe('retention sweep', () => {
  it('should delete only submissions and spam older than their form keeps them, with their deliveries', async () => {
    await t.createForm({ id: 'kept', retentionDays: 10 });
    await t.createForm({ id: 'forever' });
    const oldMessage = await submitTo(t, 'kept', { message: 'old' });
    const oldSpam = await submitTo(t, 'kept', { message: 'old spam', _gotcha: 'bot' });
    const oldForever = await submitTo(t, 'forever', { message: 'old, kept forever' });
    t.clock.advance(9 * DAY);
    const recent = await submitTo(t, 'kept', { message: 'recent' });
    const recentSpam = await submitTo(t, 'forever', { message: 'recent spam', _gotcha: 'bot' });
    t.clock.advance(1 * DAY + 10_000);

    expect(await sweepRetention(t.deps)).toBe(1);
    expect(await exists(oldMessage)).toBe(false);
    expect(await listDeliveries(t.deps.db, { submissionIds: [oldMessage], limit: 10 })).toEqual([]);
    expect(await exists(oldSpam)).toBe(true);
    expect(await exists(recent)).toBe(true);

    t.clock.advance(20 * DAY);
    expect(await sweepRetention(t.deps)).toBe(2);
    expect(await exists(oldSpam)).toBe(false);
    expect(await exists(recent)).toBe(false);
    expect(await exists(oldForever)).toBe(true);
    expect(await exists(recentSpam)).toBe(true);
    t.clock.advance(9 * DAY);
    expect(await sweepRetention(t.deps)).toBe(1);
    expect(await exists(recentSpam)).toBe(false);
    expect(await exists(oldForever)).toBe(true);
  });
});

describe('POST /api/erase', () => {
  it('should erase exactly the submissions holding the address in any field, across forms', async () => {
    await t.createForm({ id: 'contact' });
    await t.createForm({ id: 'jobs' });
    const mine = [
      await submitTo(t, 'contact', { email: 'Ann@Example.test', message: 'hi' }),
      await submitTo(t, 'jobs', { name: 'Ann', note: 'reach me at ann@example.test, thanks' }),
      await submitTo(t, 'jobs', { contacts: ['x@y.test', 'ann@example.test'] }),
    ];
    const others = [
      await submitTo(t, 'contact', { email: 'joann@example.test' }),
      await submitTo(t, 'contact', { email: 'ann@example.test.evil' }),
      await submitTo(t, 'jobs', { message: 'ann at example dot test' }),
    ];
    const { status, body } = await send('/erase', 'POST', { email: 'ann@example.test' });
    expect({ status, body }).toEqual({ status: 200, body: { ok: true, deleted: 3 } });
    for (const id of mine) expect(await exists(id)).toBe(false);
    for (const id of others) expect(await exists(id)).toBe(true);
    expect((await send('/erase', 'POST', { email: 'ann@example.test' })).body).toEqual({ ok: true, deleted: 0 });
  });

  it('should refuse something that is not an address', async () => {
    const { status, body } = await send('/erase', 'POST', { email: '%' });
    expect(status).toBe(422);
    expect(body.fields.email).toEqual(['must be a plain email address']);
  });
});
