import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebhookSpec } from '../../src/db/schema.ts';
import { form, testApp, type TestApp } from '../support/app.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';
import { startWebhookReceiver } from '../support/webhook-receiver.ts';

const MINUTE = 60_000;
const SECRET = 'whsec_' + Buffer.from('a test secret of 24 bytes').toString('base64');

type DeliveryView = {
  id: string;
  channel: string;
  status: string;
  attempts: number;
  lastError: string | null;
  history?: { outcome: string; reply: string }[];
};

let t: TestApp;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The app with a form posting to `url`; receivers on loopback need WEBHOOK_ALLOW_PRIVATE=1 (each test says so). */
async function app(
  url: string,
  env: Record<string, string> = { WEBHOOK_ALLOW_PRIVATE: '1' },
  format: WebhookSpec['format'] = 'standard',
  resolveHost?: (host: string) => Promise<string[]>,
) {
  t = await testApp({ env, resolveHost });
  cleanups.push(() => t.close());
  await t.createForm({ id: 'contact', name: 'Contact us' });
  // Stored directly: the API refuses loopback targets at create, the send-time guard is under test.
  await t.database.client.execute({
    sql: `UPDATE forms SET webhooks = ? WHERE id = 'contact'`,
    args: [JSON.stringify([{ id: 'hook', url, secret: SECRET, format }])],
  });
  return t;
}

async function receiver(port?: number) {
  const started = await startWebhookReceiver(port);
  cleanups.push(() => started.close());
  return started;
}

async function submit(fields: Record<string, string> = { name: 'Alice', message: 'Hello' }) {
  const res = await t.app.request('/f/contact', { method: 'POST', headers: { accept: 'application/json' }, body: form(fields) });
  expect(res.status).toBe(201);
  const id = ((await res.json()) as { id: string }).id;
  await t.settle();
  return id;
}

async function webhookDelivery(submissionId: string): Promise<DeliveryView> {
  const { deliveries } = (await (await t.api(`/submissions/${submissionId}`)).json()) as { deliveries: DeliveryView[] };
  const webhook = deliveries.filter((d) => d.channel === 'webhook');
  expect(webhook).toHaveLength(1);
  return (await (await t.api(`/deliveries/${webhook[0]!.id}`)).json()) as DeliveryView;
}

/** The Standard Webhooks check, written from the spec rather than taken from the sender. */
function verifies(headers: Record<string, string | string[] | undefined>, body: string): boolean {
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  const expected = createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest('base64');
  return String(headers['webhook-signature'])
    .split(' ')
    .some((part) => part === `v1,${expected}`);
}

async function retryLater() {
  t.clock.advance(MINUTE);
  await t.outbox.run();
}

describe('webhooks go through the outbox', () => {
  it('should post a Standard Webhooks request whose signature verifies, with the same webhook-id on a retry after a 500', async () => {
    const hook = await receiver();
    hook.state.answer = (_, response) => void response.writeHead(hook.received.length === 1 ? 500 : 200).end('answer');
    await app(`${hook.url}/in`);
    const id = await submit();
    expect(await webhookDelivery(id)).toMatchObject({ status: 'pending', attempts: 1, lastError: 'HTTP 500: answer' });

    await retryLater();
    expect(hook.received).toHaveLength(2);
    const [first, second] = hook.received;
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    for (const request of hook.received) expect(verifies(request.headers, request.body)).toBe(true);
    expect(verifies({ ...second!.headers, 'webhook-timestamp': '1' }, second!.body)).toBe(false);
    const body = JSON.parse(second!.body) as { type: string; timestamp: string; data: Record<string, unknown> };
    // `data` is the submission's JSON, as the API gives it.
    expect(body).toMatchObject({
      type: 'submission.created',
      data: {
        id,
        formId: 'contact',
        status: 'inbox',
        data: { name: 'Alice', message: 'Hello' },
        spamReasons: [],
        formName: expect.any(String),
        url: expect.stringMatching(new RegExp(`/admin/submissions/${id}$`)),
      },
    });
    expect(body.data.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(Number(second!.headers['webhook-timestamp'])).toBe(Math.floor(t.clock.now() / 1000));
    const delivery = await webhookDelivery(id);
    expect(delivery).toMatchObject({ status: 'sent', attempts: 2 });
    expect(delivery.history!.map((h) => [h.outcome, h.reply])).toEqual([
      ['temporary', 'HTTP 500: answer'],
      ['sent', 'HTTP 200: answer'],
    ]);
  });

  it('should retry a 429 and fail a 410 for good', async () => {
    const hook = await receiver();
    hook.state.answer = (request, response) => void response.writeHead(request.path === '/gone' ? 410 : 429).end();
    await app(`${hook.url}/busy`);
    const busy = await webhookDelivery(await submit());
    expect(busy).toMatchObject({ status: 'pending', lastError: 'HTTP 429' });

    await t.database.client.execute(
      `UPDATE forms SET webhooks = '[{"id":"hook","url":"${hook.url}/gone","secret":"${SECRET}","format":"standard"}]'`,
    );
    t.clock.advance(MINUTE);
    const gone = await webhookDelivery(await submit());
    expect(gone).toMatchObject({ status: 'failed', lastError: 'HTTP 410' });
  });

  it('should answer the visitor 201 while the receiver is down and deliver once when it is back', async () => {
    const gone = await receiver();
    await gone.close();
    await app(`${gone.url}/in`);
    const id = await submit();
    const waiting = await webhookDelivery(id);
    expect(waiting.status).toBe('pending');
    expect(waiting.lastError).toMatch(/fetch failed|ECONNREFUSED/);

    const back = await receiver(gone.port);
    await retryLater();
    await retryLater();
    expect(back.received).toHaveLength(1);
    expect(await webhookDelivery(id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('should cut a receiver that does not answer at WEBHOOK_TIMEOUT and retry it', async () => {
    const hook = await receiver();
    hook.state.answer = (_, response) => (hook.received.length === 1 ? 'hang' : void response.end('ok'));
    await app(`${hook.url}/in`, { WEBHOOK_ALLOW_PRIVATE: '1', WEBHOOK_TIMEOUT: '300ms' });
    const id = await submit();
    const cut = await webhookDelivery(id);
    expect(cut).toMatchObject({ status: 'pending', attempts: 1 });
    expect(cut.lastError).toMatch(/timeout|aborted/i);
    await retryLater();
    expect(await webhookDelivery(id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('should not follow a redirect', async () => {
    const hook = await receiver();
    hook.state.answer = (request, response) =>
      void response.writeHead(request.path === '/in' ? 302 : 200, { location: '/elsewhere' }).end();
    await app(`${hook.url}/in`);
    const delivery = await webhookDelivery(await submit());
    expect(hook.received.map((r) => r.path)).toEqual(['/in']);
    expect(delivery).toMatchObject({ status: 'pending', lastError: 'HTTP 302' });
  });

  it('should never post spam', async () => {
    const hook = await receiver();
    await app(`${hook.url}/in`);
    const id = await submit({ name: 'Bot', _gotcha: 'filled' });
    await retryLater();
    expect(hook.received).toHaveLength(0);
    const { deliveries } = (await (await t.api(`/submissions/${id}`)).json()) as { deliveries: DeliveryView[] };
    expect(deliveries).toEqual([]);
  });

  it('should post webhooks without SMTP while the mail stays held', async () => {
    const hook = await receiver();
    await app(`${hook.url}/in`);
    const id = await submit();
    expect(hook.received).toHaveLength(1);
    const { deliveries } = (await (await t.api(`/submissions/${id}`)).json()) as { deliveries: DeliveryView[] };
    expect(deliveries.map((d) => [d.channel, d.status]).sort()).toEqual([
      ['email', 'held'],
      ['webhook', 'sent'],
    ]);
  });

  it('should post the mail and the webhook from one submission, each once', async () => {
    const smtp = await startSmtpSink();
    cleanups.push(() => smtp.close());
    const hook = await receiver();
    t = await testApp({ smtpUrl: smtp.url, env: { WEBHOOK_ALLOW_PRIVATE: '1' } });
    cleanups.push(() => t.close());
    await t.createForm({
      id: 'contact',
      name: 'Contact us',
      webhooks: [{ id: 'hook', url: `${hook.url}/in`, secret: SECRET, format: 'slack' }],
    });
    const id = await submit();
    await smtp.waitFor(1);
    expect(hook.received).toHaveLength(1);
    const text = (JSON.parse(hook.received[0]!.body) as { text: string }).text;
    expect(text).toContain('New submission to Contact us');
    expect(text).toContain('message: Hello');
    expect(text).toContain(`http://harbor.test/admin/submissions/${id}`);
    expect(hook.received[0]!.headers['webhook-signature']).toBeUndefined();
  });
});

describe('webhook targets on this machine are refused at send time', () => {
  it.each(['http://127.0.0.1:PORT/in', 'https://127.0.0.1:PORT/in', 'https://[::1]:PORT/in', 'https://localhost:PORT/in'])(
    'should refuse %s without WEBHOOK_ALLOW_PRIVATE, reaching nothing',
    async (target) => {
      const hook = await receiver();
      await app(target.replace('PORT', String(hook.port)), {});
      const delivery = await webhookDelivery(await submit());
      expect(delivery.status).toBe('failed');
      expect(delivery.lastError).toMatch(/^refused: /);
      expect(hook.received).toHaveLength(0);
    },
  );

  // There is no DNS here to rebind: this resolver stands in for one (the only fake in this file).
  it('should refuse a name that resolves to a public address for the check and to this machine for the connection', async () => {
    const hook = await receiver();
    const lookups: string[] = [];
    const rebinding = async (host: string) => {
      lookups.push(host);
      return lookups.length === 1 ? ['203.0.113.10'] : ['127.0.0.1'];
    };
    await app(`https://rebind.example:${hook.port}/in`, {}, 'standard', rebinding);
    const delivery = await webhookDelivery(await submit());
    expect(lookups.length).toBeGreaterThanOrEqual(2);
    expect(delivery).toMatchObject({
      status: 'failed',
      lastError: 'refused: rebind.example resolves to a loopback, private or link-local address (127.0.0.1)',
    });
    expect(hook.received).toHaveLength(0);
  });
});
