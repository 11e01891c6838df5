import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.ts';
import { configWithoutQueues, startRelay, startWranglerDev, wrangler, type WranglerDev } from './support/wrangler.ts';

// Deliveries on workerd through the Queue (miniflare runs it inside `wrangler dev`), and
// without it: a real SMTP server behind a relay whose port survives an outage.

const ADMIN_TOKEN = 'worker-admin-token-0123456789';
/** As many clients as the bench's load (autocannon -c20). */
const BURST_CLIENTS = 20;
type Delivery = { id: string; status: string; attempts: number };

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A Worker under `wrangler dev` (without DevTools) over its own D1, mailing through a relay to `sink`; `config` replaces wrangler.toml. */
async function startWorker(sink: SmtpSink, config?: (dir: string) => string) {
  const dir = mkdtempSync(join(tmpdir(), 'formharbor-queue-'));
  const relay = await startRelay(sink.port);
  await wrangler(['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', dir], dir);
  const dev: WranglerDev = await startWranglerDev(
    dir,
    (url) => ({
      ADMIN_TOKEN,
      PUBLIC_URL: url,
      SMTP_URL: `smtp://127.0.0.1:${relay.port}`,
      DELIVERY_RETRY_SCHEDULE: '1s',
      RATE_LIMIT: 'off',
    }),
    // Without DevTools, as the bench runs it (test/support/start-worker.mjs): the Worker's log and
    // the queue's lines reach wrangler's output all the same.
    { inspector: false, ...(config && { config: config(dir) }) },
  );
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${dev.url}/api${path}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...init.headers },
    });
  const formId = await (async () => {
    const res = await api('/forms', { method: 'POST', body: JSON.stringify({ name: 'Contact', recipients: ['owner@site.test'] }) });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  })();
  return {
    dev,
    relay,
    /**
     * Posts `count` submissions from BURST_CLIENTS clients at once; their ids. wrangler dev's
     * proxy answers 503 "Your worker restarted mid-request" to requests in flight when it reloads
     * workerd (with or without the queue); those are posted again, as it asks.
     */
    async burst(count: number): Promise<string[]> {
      const ids: string[] = [];
      let next = 0;
      // Each client a visitor of its own, as Cloudflare names them: one address sending many
      // bodies at once is what the body guard refuses (429).
      const client = async (_: unknown, visitor: number) => {
        for (let i = next++; i < count; i = next++) {
          let res: Response;
          do {
            res = await fetch(`${dev.url}/f/${formId}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'cf-connecting-ip': `198.51.100.${visitor + 1}` },
              body: JSON.stringify({ message: `burst ${i}` }),
            });
          } while (res.status === 503 && (await res.clone().text()).includes('restarted mid-request'));
          expect(res.status).toBe(201);
          ids.push(((await res.json()) as { id: string }).id);
        }
      };
      await Promise.all(Array.from({ length: BURST_CLIENTS }, client));
      return ids;
    },
    async deliveries(status: string): Promise<Delivery[]> {
      return ((await (await api(`/deliveries?status=${status}&limit=100`)).json()) as { items: Delivery[] }).items;
    },
    /** Deliveries not yet sent, from /healthz. */
    backlog: async () => ((await (await fetch(`${dev.url}/healthz`)).json()) as { outbox: { pending: number } }).outbox.pending,
    runCron: async () => expect((await fetch(`${dev.url}/__scheduled`)).status).toBe(200),
    async stop() {
      await dev.stop();
      await relay.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Worker = Awaited<ReturnType<typeof startWorker>>;

/** How many mails each submission got. */
const mailsPer = (sink: SmtpSink, ids: string[]) =>
  ids.map((id) => sink.messages.filter((mail) => mail.parsed.headers.get('x-formharbor-submission') === id).length);

describe('deliveries through the Queue (wrangler dev)', { timeout: 120_000 }, () => {
  let sink: SmtpSink;
  let worker: Worker | undefined;

  beforeAll(async () => {
    sink = await startSmtpSink();
    worker = await startWorker(sink);
  }, 240_000);

  afterAll(async () => {
    await worker?.stop();
    await sink?.close();
  }, 30_000);

  it('should deliver a burst of 200 submissions exactly once, in batches over few connections', async () => {
    const connectionsBefore = sink.stats.connections;
    const ids = await worker!.burst(200);
    await until('200 mails', async () => (mailsPer(sink, ids).every((n) => n >= 1) && (await worker!.backlog()) === 0 ? true : undefined));
    expect(mailsPer(sink, ids)).toEqual(ids.map(() => 1));
    expect(worker!.dev.output()).toMatch(/QUEUE formharbor-deliveries \d+\/\d+/);
    // One connection per consumer batch, not one per message as from a request's waitUntil.
    expect(sink.stats.connections - connectionsBefore).toBeLessThanOrEqual(50);
    expect(worker!.dev.output()).not.toMatch(/attempt \d+ failed/);
  });

  it('should not time out an SMTP session that is busy for longer than the connection timeout (10 s)', async () => {
    // The server takes 11 s to answer the final dot: the message is still in transit, not stuck.
    sink.behaviour.replyDelayMs = 11_000;
    try {
      const [id] = await worker!.burst(1);
      await until('the mail', async () => (mailsPer(sink, [id!])[0] ? true : undefined));
      await until('no delivery pending', async () => ((await worker!.backlog()) === 0 ? true : undefined), 30_000);
    } finally {
      sink.behaviour.replyDelayMs = undefined;
    }
    // workerd's net.Socket never cleared the timer net.connect({ timeout }) set, so 10 s after
    // connecting the session ended in ETIMEDOUT, accepted or not, and the retry sent it twice.
    expect(worker!.dev.output()).not.toMatch(/attempt \d+ failed/);
    expect((await worker!.deliveries('sent')).filter((d) => d.attempts > 1)).toEqual([]);
  });

  it('should keep every submission while SMTP is down and deliver each once when it is back', async () => {
    await worker!.relay.stop();
    const ids = await worker!.burst(20);
    // The consumer's first attempts fail; each leaves one line in the Worker's log.
    await until('20 failed first attempts', async () => {
      const pending = (await worker!.deliveries('pending')).filter((d) => d.attempts >= 1);
      return pending.length >= 20 ? true : undefined;
    });
    // workerd's log reaches wrangler's output a little after D1 has the outcome.
    await until('the failed attempts in the log', async () =>
      /delivery [0-9A-Z]{26} attempt 1 failed, now pending: .*(ECONNECTION|ECONNREFUSED|connect)/.test(worker!.dev.output())
        ? true
        : undefined,
    );
    expect(mailsPer(sink, ids)).toEqual(ids.map(() => 0));

    await worker!.relay.start();
    // The queue's retries come back on their own; the cron is the net under them.
    await until('the 20 mails after recovery', async () => {
      if (mailsPer(sink, ids).every((n) => n === 1)) return true;
      await worker!.runCron();
      return undefined;
    });
    await worker!.runCron();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(mailsPer(sink, ids)).toEqual(ids.map(() => 1));
    expect(await worker!.deliveries('pending')).toEqual([]);
  });
});

describe('deliveries without a queue binding (wrangler dev)', { timeout: 120_000 }, () => {
  let sink: SmtpSink;
  let worker: Worker | undefined;

  beforeAll(async () => {
    sink = await startSmtpSink();
    worker = await startWorker(sink, configWithoutQueues);
  }, 240_000);

  afterAll(async () => {
    await worker?.stop();
    await sink?.close();
  }, 30_000);

  it('should still deliver each submission once from its own request', async () => {
    const ids = await worker!.burst(10);
    await until('10 mails', async () => (mailsPer(sink, ids).every((n) => n === 1) ? true : undefined));
    expect(mailsPer(sink, ids)).toEqual(ids.map(() => 1));
    // From each request's waitUntil: a connection per message, no queue consumer involved.
    expect(worker!.dev.output()).not.toMatch(/QUEUE formharbor-deliveries/);
  });
});
