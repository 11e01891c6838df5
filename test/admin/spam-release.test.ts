import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listDeliveries } from '../../src/db/deliveries.ts';
import { testApp, type TestApp } from '../support/app.ts';
import { apiClient, submitTo } from '../support/admin.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

let sink: SmtpSink;
let t: TestApp;
beforeEach(async () => {
  sink = await startSmtpSink();
  t = await testApp({ smtpUrl: sink.url });
  await t.createForm({ id: 'contact' });
});
afterEach(async () => {
  await t.close();
  await sink.close();
});

const { send } = apiClient(() => t);
const deliveriesOf = (id: string) => listDeliveries(t.deps.db, { submissionIds: [id], limit: 10 });

describe('moving a submission out of and into spam', () => {
  it('should mail a submission released from spam once, however often it is released', async () => {
    const id = await submitTo(t, 'contact', { message: 'a real person', _gotcha: 'autofill' });
    await t.settle();
    expect(sink.messages).toHaveLength(0);

    const first = await send(`/submissions/${id}`, 'PATCH', { status: 'inbox' });
    expect(first.body).toMatchObject({ status: 'inbox', spamReasons: ['honeypot'], deliveries: [expect.any(Object)] });
    await Promise.all([send(`/submissions/${id}`, 'PATCH', { status: 'spam' }), t.settle()]);
    await send(`/submissions/${id}`, 'PATCH', { status: 'inbox' });
    await Promise.all([send(`/submissions/${id}`, 'PATCH', { status: 'inbox' }), send(`/submissions/${id}`, 'PATCH', { status: 'inbox' })]);
    await t.settle();
    await t.outbox.run();
    await sink.waitFor(1);
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.parsed.text).toContain('a real person');
    expect(await deliveriesOf(id)).toHaveLength(1);
  });

  it('should cancel a notification not yet sent when the submission is moved to spam', async () => {
    // Without SMTP the notification waits (held): nothing races the move.
    await t.close();
    t = await testApp();
    await t.createForm({ id: 'contact' });
    const id = await submitTo(t, 'contact', { message: 'casino' });
    expect(await deliveriesOf(id)).toMatchObject([{ status: 'held' }]);
    await send(`/submissions/${id}`, 'PATCH', { status: 'spam' });
    expect(await deliveriesOf(id)).toEqual([]);
  });
});
