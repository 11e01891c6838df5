import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listDeliveries } from '../../src/db/delivery-reads.ts';
import { testApp, type TestApp } from '../support/app.ts';
import { apiClient, submitTo } from '../support/admin.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';

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

  it('should send a released submission to each webhook once too, and drop an unsent webhook delivery when moved back to spam', async () => {
    const hook = await startWebhookReceiver();
    try {
      await t.close();
      t = await testApp({ smtpUrl: sink.url, env: { WEBHOOK_ALLOW_PRIVATE: '1' } });
      await t.createForm({
        id: 'contact',
        webhooks: [
          { id: 'crm', url: `${hook.url}/crm`, secret: 'whsec_' + btoa('0123456789abcdef0123456789abcdef'), format: 'standard' },
          { id: 'chat', url: `${hook.url}/chat`, secret: 'whsec_' + btoa('fedcba9876543210fedcba9876543210'), format: 'slack' },
        ],
      });
      const id = await submitTo(t, 'contact', { message: 'a real person', _gotcha: 'autofill' });
      await t.settle();
      expect(await deliveriesOf(id)).toEqual([]);

      // Held back by a receiver that answers 503: moving to spam drops the webhook deliveries not sent.
      hook.state.answer = (_request, response) => void response.writeHead(503).end('busy');
      await send(`/submissions/${id}`, 'PATCH', { status: 'inbox' });
      await t.settle();
      expect((await deliveriesOf(id)).map((d) => [d.channel, d.target]).sort()).toEqual([
        ['email', null],
        ['webhook', 'chat'],
        ['webhook', 'crm'],
      ]);
      await send(`/submissions/${id}`, 'PATCH', { status: 'spam' });
      expect((await deliveriesOf(id)).map((d) => d.channel)).toEqual(['email']);

      hook.state.answer = (_request, response) => void response.end('ok');
      const received = hook.received.length;
      await Promise.all([
        send(`/submissions/${id}`, 'PATCH', { status: 'inbox' }),
        send(`/submissions/${id}`, 'PATCH', { status: 'inbox' }),
      ]);
      await send(`/submissions/${id}`, 'PATCH', { status: 'inbox' });
      await t.settle();
      await t.outbox.run();
      const delivered = hook.received.slice(received);
      expect(delivered.map((r) => r.path).sort()).toEqual(['/chat', '/crm']);
      expect(JSON.parse(delivered.find((r) => r.path === '/crm')!.body)).toMatchObject({ type: 'submission.created', data: { id } });
      expect((await deliveriesOf(id)).map((d) => [d.channel, d.status]).sort()).toEqual([
        ['email', 'sent'],
        ['webhook', 'sent'],
        ['webhook', 'sent'],
      ]);
      expect(sink.messages).toHaveLength(1);
    } finally {
      await hook.close();
    }
  });
});
