import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLibsql } from '../src/db/libsql.ts';
import { loadUntilKilled, startNodeEntry } from './support/node-entry.ts';
import { startSmtpSink } from './support/smtp-sink.ts';
import { startWebhookReceiver } from './support/webhook-receiver.ts';

// RELIABILITY row 10 (kill -9 under load) with a webhook on the form: the real Node entry is
// killed three times while ten loops post, then started once more on the same file. Every
// submission it acknowledged must reach the receiver (once, counting a retry under the same
// `webhook-id` as the same post) and the mail sink, and leave a sound database.

const TOKEN = 'crash-token-0123456789-abcdef';
const dir = mkdtempSync(join(tmpdir(), 'formharbor-webhook-crash-'));
const databaseUrl = `file:${join(dir, 'crash.db')}`;
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function startServer(smtpUrl: string): Promise<number> {
  const started = await startNodeEntry({
    DATABASE_URL: databaseUrl,
    ADMIN_TOKEN: TOKEN,
    SMTP_URL: smtpUrl,
    WEBHOOK_ALLOW_PRIVATE: '1',
    OUTBOX_INTERVAL: '200ms',
    DELIVERY_RETRY_SCHEDULE: '200ms',
    // What a killed run held is sent again soon after the restart.
    DELIVERY_LEASE: '1s',
  });
  child = started.child;
  return started.port;
}

describe('kill -9 under load with a webhook on the form', () => {
  it('should post every acknowledged submission to the webhook once and mail it, after three kills and a restart', async () => {
    const receiver = await startWebhookReceiver();
    const smtp = await startSmtpSink();
    try {
      const acked: string[] = [];
      for (const [round, killAfterMs] of [400, 700, 1000].entries()) {
        const port = await startServer(smtp.url);
        if (round === 0) {
          const res = await fetch(`http://127.0.0.1:${port}/api/forms`, {
            method: 'POST',
            headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              id: 'hooked',
              name: 'Hooked',
              recipients: ['owner@site.test'],
              webhooks: [{ url: `${receiver.url}/hook` }],
            }),
          });
          expect(res.status).toBe(201);
        }
        acked.push(
          ...(await loadUntilKilled(child!, killAfterMs, (n) =>
            fetch(`http://127.0.0.1:${port}/f/hooked`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ email: 'c@crash.test', message: `crash ${n}` }),
            }),
          )),
        );
      }
      expect(acked.length).toBeGreaterThan(20);

      await startServer(smtp.url);
      const database = await openLibsql(databaseUrl);
      try {
        // Every delivery made, acknowledged or not, goes out once the restarted outbox has swept.
        await expect
          .poll(async () => (await database.client.execute(`SELECT count(*) AS n FROM deliveries WHERE status != 'sent'`)).rows[0]!.n, {
            timeout: 60_000,
            interval: 500,
          })
          .toBe(0);
        const webhookIdsOf = new Map<string, Set<string>>();
        for (const request of receiver.received) {
          const { data } = JSON.parse(request.body) as { data: { id: string } };
          (webhookIdsOf.get(data.id) ?? webhookIdsOf.set(data.id, new Set()).get(data.id)!).add(String(request.headers['webhook-id']));
        }
        expect(acked.filter((id) => !webhookIdsOf.has(id))).toEqual([]);
        // A post repeated after a kill carries the same webhook-id: one post as a receiver counts them.
        expect([...webhookIdsOf].filter(([, ids]) => ids.size !== 1)).toEqual([]);

        const { rows } = await database.client.execute(`SELECT submission_id, message_id FROM deliveries WHERE channel = 'email'`);
        const messageIdOf = new Map(rows.map((row) => [String(row.submission_id), String(row.message_id)]));
        const mailed = new Set(smtp.messages.map((m) => m.parsed.messageId));
        expect(acked.filter((id) => !mailed.has(messageIdOf.get(id)))).toEqual([]);
        expect((await database.client.execute('PRAGMA integrity_check')).rows[0]![0]).toBe('ok');
      } finally {
        database.client.close();
      }
    } finally {
      child?.kill('SIGTERM');
      await receiver.close();
      await smtp.close();
    }
  }, 120_000);
});
