import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNodeEntry } from './support/node-entry.ts';
import { startWebhookReceiver } from './support/webhook-receiver.ts';
import { freePort } from './support/wrangler.ts';

// The outbox's outage promise with a webhook on the form, against the real Node entry (its own
// OUTBOX_INTERVAL timer, no request to wake it) and a real HTTP receiver on loopback.

const TOKEN = 'crash-token-0123456789-abcdef';
const dir = mkdtempSync(join(tmpdir(), 'formharbor-webhook-outage-'));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function startServer(database: string, env: Record<string, string> = {}): Promise<number> {
  const started = await startNodeEntry({
    DATABASE_URL: `file:${join(dir, database)}`,
    ADMIN_TOKEN: TOKEN,
    WEBHOOK_ALLOW_PRIVATE: '1',
    ...env,
  });
  child = started.child;
  return started.port;
}

async function createHookedForm(port: number, receiverPort: number): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/api/forms`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      id: 'hooked',
      name: 'Hooked',
      recipients: ['owner@site.test'],
      webhooks: [{ url: `http://127.0.0.1:${receiverPort}/hook` }],
    }),
  });
  expect(res.status).toBe(201);
}

const post = (port: number, message: string) =>
  fetch(`http://127.0.0.1:${port}/f/hooked`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message }),
  });

describe('the outbox with a webhook on the form', () => {
  it('should answer 201 while the receiver is down and post once when it is back', async () => {
    const receiverPort = await freePort();
    const port = await startServer('outage.db', { OUTBOX_INTERVAL: '300ms', DELIVERY_RETRY_SCHEDULE: '200ms' });
    const receiver = { current: undefined as Awaited<ReturnType<typeof startWebhookReceiver>> | undefined };
    try {
      await createHookedForm(port, receiverPort);
      const res = await post(port, 'during the outage');
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // a few refused attempts
      receiver.current = await startWebhookReceiver(receiverPort);
      await expect.poll(() => receiver.current!.received.length, { timeout: 10_000 }).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // time for a wrongful second post
      expect(receiver.current.received).toHaveLength(1);
      expect(JSON.parse(receiver.current.received[0]!.body)).toMatchObject({ data: { id, data: { message: 'during the outage' } } });
    } finally {
      child!.kill('SIGTERM');
      await receiver.current?.close();
    }
  }, 30_000);
});
