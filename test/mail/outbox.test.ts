import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import type { Deps } from '../../src/deps.ts';
import type { Mailer, SendResult } from '../../src/mail/mailer.ts';
import { createOutbox } from '../../src/mail/outbox.ts';
import { createSmtpMailer } from '../../src/mail/smtp.ts';
import { form, testApp, type TestApp } from '../support/app.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type DeliveryView = {
  id: string;
  status: string;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  messageId: string;
  recipients: string[];
  history?: { outcome: string; reply: string; at: string }[];
};

let t: TestApp;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function app(options: Parameters<typeof testApp>[0] = {}) {
  t = await testApp(options);
  cleanups.push(() => t.close());
  await t.createForm({ id: 'contact', name: 'Contact us' });
  return t;
}

async function sink(options: Parameters<typeof startSmtpSink>[0] = {}) {
  const started = await startSmtpSink(options);
  cleanups.push(() => started.close());
  return started;
}

/** A port nothing listens on: a sink started and stopped, so it can come back there later. */
async function closedPort(): Promise<number> {
  const gone = await startSmtpSink();
  await gone.close();
  return gone.port;
}

/** Mailer for a second process over the same database; closed after the test. */
function mailerFor(url: string): Mailer {
  const mailer = createSmtpMailer({ url, pool: true, mailFrom: t.deps.config.mailFrom });
  cleanups.push(() => mailer.close());
  return mailer;
}

async function submit(fields: Record<string, string> = { name: 'Alice', email: 'alice@example.com', message: 'Hello' }, on = t.app) {
  const res = await on.request('/f/contact', { method: 'POST', headers: { accept: 'application/json' }, body: form(fields) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function deliveryOf(submissionId: string): Promise<DeliveryView> {
  const res = await t.api(`/submissions/${submissionId}`);
  expect(res.status).toBe(200);
  const { deliveries } = (await res.json()) as { deliveries: DeliveryView[] };
  expect(deliveries).toHaveLength(1);
  return (await (await t.api(`/deliveries/${deliveries[0]!.id}`)).json()) as DeliveryView;
}

async function deliveriesWith(status: string): Promise<DeliveryView[]> {
  return ((await (await t.api(`/deliveries?status=${status}`)).json()) as { items: DeliveryView[] }).items;
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('the outbox delivers every stored submission', () => {
  it('sends one message, marks the delivery sent and records the attempt in its history', async () => {
    const smtp = await sink();
    await app({ smtpUrl: smtp.url });
    const id = await submit();
    await t.settle();

    const [mail] = await smtp.waitFor(1);
    const delivery = await deliveryOf(id);
    expect(delivery).toMatchObject({ status: 'sent', attempts: 1, lastError: null, nextAttemptAt: null, recipients: ['owner@site.test'] });
    expect(delivery.history).toEqual([expect.objectContaining({ outcome: 'sent', reply: '250 Queued as test', at: iso(t.clock.now()) })]);
    expect(mail!.parsed.messageId).toBe(delivery.messageId);

    t.clock.advance(DAY);
    await t.outbox.run();
    expect(smtp.messages).toHaveLength(1);
  });

  it('keeps the Message-ID of a delivery the same on every retry', async () => {
    const smtp = await sink();
    await app({ smtpUrl: smtp.url });
    smtp.behaviour.data = '451 4.3.0 Try again';
    const submittedAt = t.clock.now();
    const id = await submit();
    await t.settle();
    const failed = await deliveryOf(id);
    expect(failed).toMatchObject({ status: 'pending', attempts: 1, lastError: '451 4.3.0 Try again' });

    smtp.behaviour.data = undefined;
    t.clock.advance(MINUTE);
    await t.outbox.run();

    const [mail] = await smtp.waitFor(1);
    const sent = await deliveryOf(id);
    expect(sent).toMatchObject({ status: 'sent', attempts: 2, messageId: failed.messageId });
    expect(mail!.parsed.messageId).toBe(failed.messageId);
    // The Date is when the visitor sent it, not when the retry ran.
    expect(mail!.parsed.date).toEqual(new Date(submittedAt));
    expect(sent.history!.map((a) => [a.outcome, a.reply])).toEqual([
      ['temporary', '451 4.3.0 Try again'],
      ['sent', '250 Queued as test'],
    ]);
  });

  it('writes only through the commit thread, never on the event loop connection', async () => {
    const smtp = await sink();
    await app({ smtpUrl: smtp.url });
    // From here on, any write on the main connection fails ("attempt to write a readonly database").
    await t.database.client.execute('PRAGMA query_only = ON');
    smtp.behaviour.data = '451 4.3.0 Try again';
    const id = await submit();
    await t.settle();
    expect(await deliveryOf(id)).toMatchObject({ status: 'pending', attempts: 1, lastError: '451 4.3.0 Try again' });

    smtp.behaviour.data = undefined;
    const retried = await t.api(`/deliveries/${(await deliveryOf(id)).id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(200);
    await t.outbox.run();
    await smtp.waitFor(1);
    const sent = await deliveryOf(id);
    expect(sent).toMatchObject({ status: 'sent', attempts: 2 });
    // The failed first attempt's own line is the only error.
    expect(t.errors).toEqual([expect.stringContaining(`delivery ${sent.id} attempt 1 failed`)]);
  });

  it('should log every failed attempt as one line naming the delivery, its status now and the reason', async () => {
    const smtp = await sink();
    await app({ smtpUrl: smtp.url });
    smtp.behaviour.data = '451 4.3.0 Try again';
    const first = await submit();
    await t.settle();
    smtp.behaviour.data = '550 5.1.1 No such mailbox';
    t.clock.advance(MINUTE);
    await t.outbox.run();
    const { id } = await deliveryOf(first);
    expect(t.errors).toEqual([
      expect.stringMatching(new RegExp(`^delivery ${id} attempt 1 failed, now pending: 451 4\\.3\\.0 Try again`)),
      expect.stringMatching(new RegExp(`^delivery ${id} attempt 2 failed, now failed: 550 5\\.1\\.1 No such mailbox`)),
    ]);
  });

  it('acknowledges every submission while SMTP refuses connections, backs off on schedule and delivers each once when it is back', async () => {
    const port = await closedPort();
    await app({ smtpUrl: `smtp://127.0.0.1:${port}` });
    const ids = [await submit({ name: 'A' }), await submit({ name: 'B' }), await submit({ name: 'C' })];
    await t.settle();

    // The default schedule: 1m, 5m, 15m, 1h, 4h, then 4h again and again.
    const waits = [1 * MINUTE, 5 * MINUTE, 15 * MINUTE, 1 * HOUR, 4 * HOUR, 4 * HOUR, 4 * HOUR];
    for (const [i, wait] of waits.entries()) {
      for (const id of ids) {
        const delivery = await deliveryOf(id);
        expect(delivery).toMatchObject({ status: 'pending', attempts: i + 1, nextAttemptAt: iso(t.clock.now() + wait) });
        expect(delivery.lastError).toMatch(/ECONNREFUSED/);
      }
      // Sweeping before the next attempt is due tries nothing: no hot loop against a dead server.
      t.clock.advance(wait - SECOND);
      await t.outbox.run();
      for (const id of ids) expect((await deliveryOf(id)).attempts).toBe(i + 1);
      t.clock.advance(SECOND);
      await t.outbox.run();
    }
    expect((await deliveryOf(ids[0]!)).history).toHaveLength(waits.length + 1);

    // Still down: a new submission is acknowledged too, and starts at the beginning of the schedule.
    const late = await submit({ name: 'D' });
    await t.settle();
    expect(await deliveryOf(late)).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: iso(t.clock.now() + MINUTE) });

    const smtp = await sink({ port });
    t.clock.advance(4 * HOUR);
    await t.outbox.run();
    await smtp.waitFor(4);
    for (const id of [...ids, late]) expect((await deliveryOf(id)).status).toBe('sent');

    t.clock.advance(DAY);
    await t.outbox.run();
    expect(smtp.messages.map((m) => m.parsed.headers.get('x-formharbor-submission')).sort()).toEqual([...ids, late].sort());
  });

  it('fails a delivery still failing after DELIVERY_MAX_AGE, keeps it visible and sends it when retried', async () => {
    const port = await closedPort();
    await app({ smtpUrl: `smtp://127.0.0.1:${port}`, env: { DELIVERY_RETRY_SCHEDULE: '10m', DELIVERY_MAX_AGE: '1h' } });
    const id = await submit({ name: 'Alice', message: 'Please call me back' });
    await t.settle();

    for (let elapsed = 10 * MINUTE; elapsed < HOUR; elapsed += 10 * MINUTE) {
      t.clock.advance(10 * MINUTE);
      await t.outbox.run();
      expect((await deliveryOf(id)).status).toBe('pending');
    }
    t.clock.advance(10 * MINUTE);
    await t.outbox.run();

    const failed = await deliveryOf(id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 7, nextAttemptAt: null });
    expect(failed.lastError).toMatch(/ECONNREFUSED/);
    expect((await deliveriesWith('failed')).map((d) => d.id)).toEqual([failed.id]);
    expect(await (await t.app.request('/healthz')).json()).toMatchObject({ outbox: { pending: 0, failed: 1 } });
    const submission = (await (await t.api(`/submissions/${id}`)).json()) as { data: Record<string, string> };
    expect(submission.data).toEqual({ name: 'Alice', message: 'Please call me back' });

    // A failed delivery is not retried by itself, even once the server is back...
    const smtp = await sink({ port });
    t.clock.advance(DAY);
    await t.outbox.run();
    expect(smtp.messages).toHaveLength(0);

    // ...but the owner can send it again.
    const retried = await t.api(`/deliveries/${failed.id}/retry`, { method: 'POST' });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ id: failed.id, status: 'pending', nextAttemptAt: iso(t.clock.now()) });
    await t.settle();
    const [mail] = await smtp.waitFor(1);
    expect(mail!.parsed.messageId).toBe(failed.messageId);
    expect(await deliveryOf(id)).toMatchObject({ status: 'sent', attempts: 8 });
    expect(await deliveriesWith('failed')).toEqual([]);
  });
});

describe('a worker that dies while sending loses nothing', () => {
  /** A second process over the same database whose mailer is in our hands. */
  function otherProcess(mailer: Mailer) {
    const deps: Deps = { ...t.deps, mailer, defer: () => {} };
    const outbox = createOutbox(deps);
    return { app: createApp(deps, outbox), outbox };
  }

  it('re-sends a delivery left sending by a worker killed after the 250, once its lease expires', async () => {
    const smtp = await sink();
    await app({ smtpUrl: smtp.url });
    const real = mailerFor(smtp.url);
    // The server accepts the message, then the process dies before it records anything.
    const killed = otherProcess({ send: async (message) => (await real.send(message), new Promise<never>(() => {})), close() {} });
    const id = await submit(undefined, killed.app);
    const [first] = await smtp.waitFor(1);

    const stuck = await deliveryOf(id);
    expect(stuck).toMatchObject({ status: 'sending', attempts: 1 });
    expect((await deliveriesWith('sending')).map((d) => d.id)).toEqual([stuck.id]);
    // While the lease stands nobody else takes the row, and the owner cannot force it either.
    t.clock.advance(2 * MINUTE - SECOND);
    await t.outbox.run();
    expect(smtp.messages).toHaveLength(1);
    expect((await t.api(`/deliveries/${stuck.id}/retry`, { method: 'POST' })).status).toBe(409);

    t.clock.advance(SECOND);
    await t.outbox.run();
    const [, again] = await smtp.waitFor(2);
    expect(again!.parsed.messageId).toBe(first!.parsed.messageId);
    expect(await deliveryOf(id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(await deliveriesWith('sending')).toEqual([]);
    // The timeline shows both attempts: the cut-short one has no reply, only what is known of it.
    const { history } = (await (await t.api(`/deliveries/${stuck.id}`)).json()) as { history: { outcome: string; reply: string }[] };
    expect(history.map((a) => a.outcome)).toEqual(['interrupted', 'sent']);
    expect(history[0]!.reply).toMatch(/^no outcome recorded: the lease ran out/);
  });

  it('records the cut-short attempt when the owner retries a delivery a killed worker left sending', async () => {
    const smtp = await sink();
    await app({ smtpUrl: smtp.url });
    const killed = otherProcess({ send: () => new Promise<never>(() => {}), close() {} });
    const id = await submit(undefined, killed.app);
    await expect.poll(async () => (await deliveryOf(id)).status).toBe('sending');
    const stuck = await deliveryOf(id);
    t.clock.advance(2 * MINUTE + SECOND);
    expect((await t.api(`/deliveries/${stuck.id}/retry`, { method: 'POST' })).status).toBe(200);
    await t.settle();
    await smtp.waitFor(1);
    const view = await deliveryOf(id);
    expect(view).toMatchObject({ status: 'sent', attempts: 2 });
    expect(view.history!.map((a) => a.outcome)).toEqual(['interrupted', 'sent']);
  });

  it('ignores the late outcome of a worker whose lease expired after another worker took the delivery over', async () => {
    const smtp = await sink();
    await app({ smtpUrl: smtp.url });
    let finishLate!: (result: SendResult) => void;
    const slow = otherProcess({ send: () => new Promise<SendResult>((resolve) => (finishLate = resolve)), close() {} });
    const id = await submit(undefined, slow.app);
    const stale = slow.outbox.run();
    await expect.poll(async () => (await deliveryOf(id)).status).toBe('sending');

    t.clock.advance(2 * MINUTE);
    await t.outbox.run();
    await smtp.waitFor(1);
    expect(await deliveryOf(id)).toMatchObject({ status: 'sent', attempts: 2 });

    finishLate({ ok: false, temporary: true, error: 'ETIMEDOUT: Timeout' });
    await stale;
    expect(await deliveryOf(id)).toMatchObject({ status: 'sent', lastError: null });
    // The timeline has one row per counted attempt: the taken-over one, and the one that sent it.
    expect((await deliveryOf(id)).history!.map((a) => a.outcome)).toEqual(['interrupted', 'sent']);
    t.clock.advance(DAY);
    await t.outbox.run();
    expect(smtp.messages).toHaveLength(1);
  });
});

describe('without SMTP_URL nothing is lost', () => {
  it('holds deliveries, counts them in /healthz and sends them once a process with SMTP runs over the same database', async () => {
    await app();
    const ids = [await submit({ name: 'A' }), await submit({ name: 'B' })];
    await t.settle();
    for (const id of ids) expect(await deliveryOf(id)).toMatchObject({ status: 'held', attempts: 0 });
    expect(await (await t.app.request('/healthz')).json()).toMatchObject({ outbox: { pending: 0, held: 2, failed: 0 } });
    await t.outbox.run();
    const held = await deliveryOf(ids[0]!);
    expect(await (await t.api(`/deliveries/${held.id}/retry`, { method: 'POST' })).json()).toMatchObject({ status: 'held' });

    const smtp = await sink();
    const deps: Deps = { ...t.deps, config: { ...t.deps.config, smtpUrl: smtp.url }, mailer: mailerFor(smtp.url) };
    const outbox = createOutbox(deps);
    const withSmtp = createApp(deps, outbox);
    t.clock.advance(HOUR);
    await outbox.run();

    await smtp.waitFor(2);
    for (const id of ids) expect(await deliveryOf(id)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await (await withSmtp.request('/healthz')).json()).toMatchObject({ outbox: { pending: 0, held: 0, failed: 0 } });
    expect(smtp.messages.map((m) => m.parsed.messageId).sort()).toEqual(
      (await Promise.all(ids.map(async (id) => (await deliveryOf(id)).messageId))).sort(),
    );
  });
});

describe('DELIVERY_MAX_AGE counts from when retrying began', () => {
  it('gives deliveries held for longer than the max age a full retry window once SMTP exists', async () => {
    await app({ env: { DELIVERY_MAX_AGE: '1h' } });
    const id = await submit();
    t.clock.advance(3 * DAY);
    const smtp = await sink();
    smtp.behaviour.rcpt = '451 4.3.0 Try again later';
    const deps: Deps = { ...t.deps, config: { ...t.deps.config, smtpUrl: smtp.url }, mailer: mailerFor(smtp.url) };
    await createOutbox(deps).run();
    expect(await deliveryOf(id)).toMatchObject({ status: 'pending', attempts: 1, lastError: '451 4.3.0 Try again later' });
  });

  it('gives a failed delivery retried by hand a full retry window again', async () => {
    const closed = await closedPort();
    await app({ smtpUrl: `smtp://127.0.0.1:${closed}`, env: { DELIVERY_MAX_AGE: '1h', DELIVERY_RETRY_SCHEDULE: '30m' } });
    const id = await submit();
    for (let i = 0; i < 3; i++) {
      await t.outbox.run();
      t.clock.advance(30 * MINUTE);
    }
    const failed = await deliveryOf(id);
    expect(failed.status).toBe('failed');
    expect((await t.api(`/deliveries/${failed.id}/retry`, { method: 'POST' })).status).toBe(200);
    await t.outbox.run();
    expect(await deliveryOf(id)).toMatchObject({ status: 'pending', attempts: failed.attempts + 1 });
  });
});

describe('outbox limits per run', () => {
  // A chunk of 100 submissions of 1 MB each, all rendered at once, took 2 GB: the process died
  // and, as the rows were claimed again at every start, kept dying.
  it('renders and hands the transport at most 2 MB of stored data at a time, and ordinary notifications all at once', async () => {
    await app();
    const large = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`part${i}`, 'x'.repeat(20_000)]));
    for (let i = 0; i < 12; i++) await submit({ name: `Large ${i}`, ...large });
    const smtp = await sink();
    const real = mailerFor(smtp.url);
    let sending = 0;
    let most = 0;
    const counting: Mailer = {
      async send(message) {
        most = Math.max(most, ++sending);
        try {
          return await real.send(message);
        } finally {
          sending--;
        }
      },
      close: () => real.close(),
    };
    const outbox = createOutbox({ ...t.deps, config: { ...t.deps.config, smtpUrl: smtp.url }, mailer: counting });
    await outbox.run();
    // About 400 kB each: five fit in 2 MB.
    expect(most).toBe(5);
    expect(await deliveriesWith('sent')).toHaveLength(12);

    most = 0;
    for (let i = 0; i < 25; i++) await submit({ name: `N${i}` });
    await outbox.run();
    expect(most).toBe(25);
    await smtp.waitFor(37);
    expect(new Set(smtp.messages.map((m) => m.parsed.headers.get('x-formharbor-submission'))).size).toBe(37);
  });

  it('sends the rest of a chunk when one submission cannot be read, and retries that one later with the reason', async () => {
    await app();
    const ids = [await submit({ name: 'A' }), await submit({ name: 'B' }), await submit({ name: 'C' })];
    // Damaged outside Formharbor (a hand edit, a bad restore): its stored JSON no longer parses.
    await t.database.client.execute({ sql: "UPDATE submissions SET data = '{not json' WHERE id = ?", args: [ids[1]!] });
    const smtp = await sink();
    await createOutbox({ ...t.deps, config: { ...t.deps.config, smtpUrl: smtp.url }, mailer: mailerFor(smtp.url) }).run();
    await smtp.waitFor(2);
    expect(smtp.messages.map((m) => m.parsed.headers.get('x-formharbor-submission')).sort()).toEqual([ids[0], ids[2]].sort());
    // (The submission itself cannot be shown either; its delivery can.)
    const [unread] = await deliveriesWith('pending');
    expect(unread).toMatchObject({ status: 'pending', attempts: 1 });
    expect(unread!.lastError).toMatch(/^could not read the submission: .*JSON/);
    expect(await deliveriesWith('sent')).toHaveLength(2);
  });

  it('takes at most claimLimit deliveries per chunk and maxChunks chunks per run, leaving the rest due', async () => {
    await app();
    for (let i = 0; i < 7; i++) await submit({ name: `N${i}` });
    const smtp = await sink();
    const deps: Deps = { ...t.deps, config: { ...t.deps.config, smtpUrl: smtp.url }, mailer: mailerFor(smtp.url) };
    const limited = createOutbox(deps, { claimLimit: 2, maxChunks: 2 });
    await limited.run();
    expect(smtp.messages).toHaveLength(4);
    expect(await deliveriesWith('pending')).toHaveLength(3);
    await limited.run();
    await limited.run();
    await smtp.waitFor(7);
    expect(await deliveriesWith('sent')).toHaveLength(7);
  });
});

describe('a chunk that takes longer than its lease', () => {
  it('keeps its lease alive so a second worker cannot take over rows still being sent', async () => {
    await app({ env: { DELIVERY_LEASE: '1500ms' } });
    // Real time here: the lease has to run out while the messages are really on their way.
    t.deps.now = Date.now;
    for (let i = 0; i < 10; i++) await submit({ name: `N${i}` });
    const smtp = await sink();
    smtp.behaviour.replyDelayMs = 900;
    const withSmtp = (): Deps => ({ ...t.deps, config: { ...t.deps.config, smtpUrl: smtp.url }, mailer: mailerFor(smtp.url) });
    // Ten messages on five pooled connections: two rounds of 900 ms, longer than the 1.5 s lease.
    const first = createOutbox(withSmtp()).run();
    await new Promise((resolve) => setTimeout(resolve, 1_700));
    await createOutbox(withSmtp()).run();
    await first;
    expect(smtp.messages).toHaveLength(10);
    expect(new Set(smtp.messages.map((m) => m.parsed.messageId)).size).toBe(10);
    expect(await deliveriesWith('sent')).toHaveLength(10);
  });
});
