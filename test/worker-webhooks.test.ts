import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type Received } from './support/webhook-receiver.ts';
import { freePort, startWranglerDev, wrangler, type WranglerDev } from './support/wrangler.ts';

// The Worker build sends webhooks with its own fetch: from the request (waitUntil or the Queue)
// and from the cron sweep once a receiver that was down is back. The receiver is a real
// node:http server on loopback, which only WEBHOOK_ALLOW_PRIVATE=1 lets the Worker reach.

const ADMIN_TOKEN = 'worker-admin-token-0123456789';
const SECRET = `whsec_${Buffer.from('worker-webhook-secret-32-bytes!!').toString('base64')}`;

type Delivery = { id: string; channel: string; status: string; attempts: number };

/** The Standard Webhooks check, written from the spec rather than taken from the sender. */
function verifies(request: Received): boolean {
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  const { headers, body } = request;
  const expected = createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest('base64');
  return String(headers['webhook-signature'])
    .split(' ')
    .some((part) => part === `v1,${expected}`);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('webhooks from the Worker (wrangler dev)', { timeout: 90_000 }, () => {
  let dir: string;
  let dev: WranglerDev | undefined;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>> | undefined;
  let receiverPort: number;
  let alerts: Awaited<ReturnType<typeof startWebhookReceiver>> | undefined;

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${dev!.url}/api${path}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...init.headers },
    });
  const submit = (formId: string, body: Record<string, unknown>) =>
    fetch(`${dev!.url}/f/${formId}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const webhookDelivery = async (id: string) => {
    const { deliveries } = (await (await api(`/submissions/${id}`)).json()) as { deliveries: Delivery[] };
    return deliveries.find((d) => d.channel === 'webhook');
  };
  const arrivalsOf = (text: string) => receiver!.received.filter((r) => r.body.includes(text));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'formharbor-worker-webhooks-'));
    receiverPort = await freePort();
    alerts = await startWebhookReceiver();
    await wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', dir], dir);
    // No SMTP_URL: the notification waits (held); only the webhook leaves.
    dev = await startWranglerDev(dir, (publicUrl) => ({
      PUBLIC_URL: publicUrl,
      ADMIN_TOKEN,
      WEBHOOK_ALLOW_PRIVATE: '1',
      DELIVERY_RETRY_SCHEDULE: '1s',
      ALERT_WEBHOOK_URL: `${alerts!.url}/alert`,
    }));
    const res = await api('/forms', {
      method: 'POST',
      body: JSON.stringify({
        id: 'hooked',
        name: 'Hooked',
        recipients: ['owner@site.test'],
        webhooks: [{ url: `http://127.0.0.1:${receiverPort}/hook`, format: 'standard', secret: SECRET }],
      }),
    });
    expect(res.status).toBe(201);
  }, 240_000);

  afterAll(async () => {
    await receiver?.close();
    await alerts?.close();
    await dev?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('should sign and deliver a webhook once from the request, then once from the cron sweep after the receiver was down', async () => {
    // Receiver down: the visitor still gets 201, the delivery waits for a retry.
    const down = await submit('hooked', { message: 'while the receiver is down' });
    expect(down.status).toBe(201);
    const { id: downId } = (await down.json()) as { id: string };
    await until('a failed first attempt', async () => ((await webhookDelivery(downId))?.attempts ?? 0) > 0 || undefined);
    expect(await webhookDelivery(downId)).toMatchObject({ status: 'pending' });

    receiver = await startWebhookReceiver(receiverPort);
    const up = await submit('hooked', { message: 'with the receiver up' });
    expect(up.status).toBe(201);
    const { id: upId } = (await up.json()) as { id: string };
    const sentNow = await until('the webhook sent from the request', async () => arrivalsOf('with the receiver up')[0]);
    expect(verifies(sentNow)).toBe(true);
    expect(JSON.parse(sentNow.body)).toMatchObject({ type: 'submission.created', data: { id: upId } });

    // The cron sweep retries the one that waited (its 1 s retry time has passed by now).
    await until('the waiting webhook sent by the cron sweep', async () => {
      await fetch(`${dev!.url}/__scheduled`);
      return arrivalsOf('while the receiver is down')[0];
    });
    await until('both deliveries marked sent', async () =>
      (await webhookDelivery(downId))?.status === 'sent' && (await webhookDelivery(upId))?.status === 'sent' ? true : undefined,
    );
    await fetch(`${dev!.url}/__scheduled`);
    for (const text of ['while the receiver is down', 'with the receiver up']) {
      const arrivals = arrivalsOf(text);
      expect(arrivals).toHaveLength(1);
      expect(verifies(arrivals[0]!)).toBe(true);
    }
    expect(arrivalsOf('while the receiver is down')[0]!.headers['webhook-id']).toBe((await webhookDelivery(downId))!.id);
  });

  it('should raise one alert from the cron sweep when a delivery failed', async () => {
    const gone = await startWebhookReceiver();
    gone.state.answer = (_request, response) => void response.writeHead(410).end('this hook is gone');
    try {
      const res = await api('/forms', {
        method: 'POST',
        body: JSON.stringify({
          id: 'gone',
          name: 'Gone',
          recipients: ['owner@site.test'],
          webhooks: [{ url: `${gone.url}/hook`, format: 'slack' }],
        }),
      });
      expect(res.status).toBe(201);
      const posted = await submit('gone', { message: 'to a receiver that is gone' });
      const { id } = (await posted.json()) as { id: string };
      await until('the webhook failed', async () => ((await webhookDelivery(id))?.status === 'failed' ? true : undefined));
      const alert = await until('the alert from the cron', async () => {
        await fetch(`${dev!.url}/__scheduled`);
        return alerts!.received[0];
      });
      expect(alert.path).toBe('/alert');
      expect((JSON.parse(alert.body) as { text: string }).text).toMatch(
        /1 delivery failed\.\nThe latest \(webhook\): HTTP 410: this hook is gone/,
      );
      for (let i = 0; i < 3; i++) await fetch(`${dev!.url}/__scheduled`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(alerts!.received).toHaveLength(1);
    } finally {
      await gone.close();
    }
  });
});
