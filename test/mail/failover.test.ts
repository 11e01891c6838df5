import { afterEach, describe, expect, it } from 'vitest';
import { form, testApp, type TestApp } from '../support/app.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';

type DeliveryView = {
  id: string;
  status: string;
  attempts: number;
  lastError: string | null;
  messageId: string;
  history: Record<string, unknown>[];
};

let t: TestApp;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sink(port?: number) {
  const started = await startSmtpSink(port ? { port } : {});
  cleanups.push(() => started.close());
  return started;
}

async function submitAndDeliver(): Promise<DeliveryView> {
  const res = await t.app.request('/f/contact', {
    method: 'POST',
    headers: { accept: 'application/json' },
    body: form({ name: 'Alice', email: 'alice@example.com', message: 'Hello' }),
  });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  await t.settle();
  const { deliveries } = (await (await t.api(`/submissions/${id}`)).json()) as { deliveries: { id: string }[] };
  return (await (await t.api(`/deliveries/${deliveries[0]!.id}`)).json()) as DeliveryView;
}

describe('a backup relay (SMTP_BACKUP_URL)', () => {
  it('should take the message at once, once, when the primary is down, and leave the next one to the primary once it is back', async () => {
    const primary = await sink();
    const backup = await sink();
    const primaryPort = primary.port;
    await primary.close();
    t = await testApp({ env: { SMTP_URL: `smtp://127.0.0.1:${primaryPort}`, SMTP_BACKUP_URL: backup.url } });
    cleanups.push(() => t.close());
    await t.createForm({ id: 'contact', recipients: ['owner@site.test'] });

    const first = await submitAndDeliver();
    expect(first).toMatchObject({ status: 'sent', attempts: 1, lastError: null });
    expect(first.history).toEqual([
      expect.objectContaining({
        outcome: 'sent',
        relay: 'backup',
        reply: expect.stringMatching(
          /^250 Queued as test \(primary failed: ESOCKET: connect ECONNREFUSED .* — Nothing accepted a connection/,
        ),
      }),
    ]);
    const [viaBackup] = await backup.waitFor(1);
    expect(backup.messages).toHaveLength(1);
    // The same message: a receiver that saw an earlier try can tell it is not a second one.
    expect(viaBackup!.parsed.messageId).toBe(first.messageId);

    const revived = await sink(primaryPort);
    const second = await submitAndDeliver();
    expect(second).toMatchObject({ status: 'sent', attempts: 1 });
    expect(second.history).toEqual([expect.objectContaining({ outcome: 'sent', relay: 'primary' })]);
    await revived.waitFor(1);
    expect(revived.messages[0]!.parsed.messageId).toBe(second.messageId);
    expect(backup.messages).toHaveLength(1);
  });

  it('should not hand a permanent refusal to the backup', async () => {
    const primary = await sink();
    const backup = await sink();
    primary.behaviour.rcpt = '550 5.1.1 No such user';
    t = await testApp({ env: { SMTP_URL: primary.url, SMTP_BACKUP_URL: backup.url } });
    cleanups.push(() => t.close());
    await t.createForm({ id: 'contact', recipients: ['owner@site.test'] });
    const delivery = await submitAndDeliver();
    expect(delivery).toMatchObject({ status: 'failed', lastError: expect.stringContaining('550 5.1.1 No such user') });
    expect(backup.stats.connections).toBe(0);
    expect(delivery.history).toEqual([expect.objectContaining({ outcome: 'permanent', relay: 'primary' })]);
  });
});
