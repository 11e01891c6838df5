import { afterEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps.ts';
import { createOutbox } from '../../src/mail/outbox.ts';
import { createSmtpMailer } from '../../src/mail/smtp.ts';
import { form, testApp, type TestApp } from '../support/app.ts';
import { startSmtpSink, type SinkBehaviour, type SmtpSink } from '../support/smtp-sink.ts';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

type DeliveryView = {
  id: string;
  status: string;
  attempts: number;
  lastError: string | null;
  messageId: string;
  recipients: string[];
  history: { outcome: string; reply: string }[];
};

let t: TestApp;
let smtp: SmtpSink;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(sinkOptions: Parameters<typeof startSmtpSink>[0] = {}, smtpUrl?: (sink: SmtpSink) => string) {
  smtp = await startSmtpSink(sinkOptions);
  cleanups.push(() => smtp.close());
  t = await testApp({ smtpUrl: smtpUrl ? smtpUrl(smtp) : smtp.url });
  cleanups.push(() => t.close());
  await t.createForm({ id: 'contact', name: 'Contact us', recipients: ['owner@site.test', 'team@site.test'] });
}

async function submit() {
  const res = await t.app.request('/f/contact', {
    method: 'POST',
    headers: { accept: 'application/json' },
    body: form({ name: 'Alice', email: 'alice@example.com', message: 'Hello', signature: 'END-OF-MESSAGE' }),
  });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  await t.settle();
  return id;
}

async function deliveryOf(submissionId: string): Promise<DeliveryView> {
  const { deliveries } = (await (await t.api(`/submissions/${submissionId}`)).json()) as { deliveries: { id: string }[] };
  expect(deliveries).toHaveLength(1);
  return (await (await t.api(`/deliveries/${deliveries[0]!.id}`)).json()) as DeliveryView;
}

/** Moves past the first retry wait and sweeps. */
async function retryDue() {
  t.clock.advance(MINUTE);
  await t.outbox.run();
}

describe('temporary SMTP failures are retried until the server recovers', () => {
  it.each<[string, SinkBehaviour]>([
    ['421 at the greeting', { greeting: '421 4.3.2 Service shutting down' }],
    ['450 at RCPT', { rcpt: '450 4.2.1 Mailbox busy' }],
    ['452 at RCPT', { rcpt: '452 4.2.2 Mailbox full' }],
    ['451 after DATA', { data: '451 4.3.0 Local error in processing' }],
  ])('records %s as the last error and delivers once the server recovers', async (_, failure) => {
    await start();
    Object.assign(smtp.behaviour, failure);
    const reply = Object.values(failure)[0] as string;
    const id = await submit();

    const pending = await deliveryOf(id);
    expect(pending).toMatchObject({ status: 'pending', attempts: 1, lastError: reply });
    expect(smtp.attempts).toContainEqual(expect.objectContaining({ outcome: reply }));
    await retryDue();
    expect(await deliveryOf(id)).toMatchObject({ status: 'pending', attempts: 2, lastError: reply });

    smtp.behaviour.greeting = smtp.behaviour.rcpt = smtp.behaviour.data = undefined;
    t.clock.advance(5 * MINUTE);
    await t.outbox.run();
    const [mail] = await smtp.waitFor(1);
    const sent = await deliveryOf(id);
    expect(sent).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
    expect(sent.history.map((a) => a.outcome)).toEqual(['temporary', 'temporary', 'sent']);
    expect(sent.history[0]!.reply).toBe(reply);
    expect(mail!.envelope.to).toEqual(['owner@site.test', 'team@site.test']);
    expect(mail!.parsed.messageId).toBe(sent.messageId);
  });
});

describe('permanent SMTP failures stop at once and keep the reply', () => {
  it.each<[string, SinkBehaviour]>([
    ['550 at RCPT', { rcpt: '550 5.1.1 No such user here' }],
    ['554 after DATA', { data: '554 5.7.1 Message rejected as spam' }],
  ])('fails the delivery after one attempt on %s', async (_, failure) => {
    await start();
    Object.assign(smtp.behaviour, failure);
    const reply = Object.values(failure)[0] as string;
    const id = await submit();

    expect(await deliveryOf(id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: reply,
      history: [{ outcome: 'permanent', reply }],
    });
    smtp.behaviour.rcpt = smtp.behaviour.data = undefined;
    t.clock.advance(DAY);
    await t.outbox.run();
    expect(await deliveryOf(id)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(smtp.messages).toHaveLength(0);
    expect((await t.api(`/submissions/${id}`)).status).toBe(200);
  });
});

describe('some recipients refused while the others accept', () => {
  it('delivers to the accepted recipient once and retries only the one that was deferred', async () => {
    await start();
    smtp.behaviour.rcptFor = { 'team@site.test': '452 4.2.2 Mailbox full' };
    const id = await submit();

    await smtp.waitFor(1);
    const deferred = await deliveryOf(id);
    expect(deferred).toMatchObject({ status: 'pending', attempts: 1, recipients: ['team@site.test'] });
    expect(deferred.lastError).toBe('452 4.2.2 Mailbox full (team@site.test)');

    smtp.behaviour.rcptFor = undefined;
    await retryDue();
    await smtp.waitFor(2);
    expect(await deliveryOf(id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(smtp.messages.map((m) => m.envelope.to)).toEqual([['owner@site.test'], ['team@site.test']]);
    expect(new Set(smtp.messages.map((m) => m.parsed.messageId)).size).toBe(1);
  });

  it('fails the delivery for a recipient refused permanently and says which one', async () => {
    await start();
    smtp.behaviour.rcptFor = { 'team@site.test': '550 5.1.1 No such user here' };
    const id = await submit();

    const [mail] = await smtp.waitFor(1);
    expect(mail!.envelope.to).toEqual(['owner@site.test']);
    expect(await deliveryOf(id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      recipients: ['team@site.test'],
      lastError: '550 5.1.1 No such user here (team@site.test)',
    });
  });
});

describe("a retry goes to the form's recipients as they are then", () => {
  const retry = async (submissionId: string) => {
    const res = await t.api(`/deliveries/${(await deliveryOf(submissionId)).id}/retry`, { method: 'POST' });
    expect(res.status).toBe(200);
    await t.settle();
  };

  it('sends to the address the owner corrected, and not again to the one who has it', async () => {
    await start();
    smtp.behaviour.rcptFor = { 'team@site.test': '550 5.1.1 No such user here' };
    const id = await submit();
    await smtp.waitFor(1);
    expect(await deliveryOf(id)).toMatchObject({ status: 'failed', recipients: ['team@site.test'] });

    const patched = await t.api('/forms/contact', {
      method: 'PATCH',
      body: JSON.stringify({ recipients: ['owner@site.test', 'team2@site.test'] }),
    });
    expect(patched.status).toBe(200);
    await retry(id);
    await smtp.waitFor(2);
    expect(smtp.messages.map((m) => m.envelope.to)).toEqual([['owner@site.test'], ['team2@site.test']]);
    expect(smtp.messages[1]!.parsed.to).toMatchObject({ text: 'team2@site.test' });
    expect(await deliveryOf(id)).toMatchObject({ status: 'sent', attempts: 2, recipients: ['team2@site.test'] });
  });

  it('re-sends a sent notification to every current recipient', async () => {
    await start();
    const id = await submit();
    await smtp.waitFor(1);
    await t.api('/forms/contact', { method: 'PATCH', body: JSON.stringify({ recipients: ['new@site.test'] }) });
    await retry(id);
    await smtp.waitFor(2);
    expect(smtp.messages.map((m) => m.envelope.to)).toEqual([['owner@site.test', 'team@site.test'], ['new@site.test']]);
  });

  it('retries a deferred recipient whose address has capitals (the server answers for it in lower case)', async () => {
    await start();
    await t.api('/forms/contact', { method: 'PATCH', body: JSON.stringify({ recipients: ['owner@site.test', 'Team@Site.TEST'] }) });
    // Nodemailer lower-cases the domain in the envelope.
    smtp.behaviour.rcptFor = { 'Team@site.test': '452 4.2.2 Mailbox full' };
    const id = await submit();
    await smtp.waitFor(1);
    expect(await deliveryOf(id)).toMatchObject({ status: 'pending', attempts: 1 });

    smtp.behaviour.rcptFor = undefined;
    await retry(id);
    await smtp.waitFor(2);
    expect(smtp.messages.map((m) => m.envelope.to)).toEqual([['owner@site.test'], ['Team@site.test']]);
    expect(await deliveryOf(id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('counts as delivered, sending nothing, when everyone left on the form already has it', async () => {
    await start();
    smtp.behaviour.rcptFor = { 'team@site.test': '550 5.1.1 No such user here' };
    const id = await submit();
    await smtp.waitFor(1);
    await t.api('/forms/contact', { method: 'PATCH', body: JSON.stringify({ recipients: ['owner@site.test'] }) });
    await retry(id);
    expect(await deliveryOf(id)).toMatchObject({ status: 'sent', attempts: 2, recipients: [] });
    expect(smtp.messages).toHaveLength(1);
  });
});

describe('authentication failures wait for the owner to fix the credentials', () => {
  it('keeps retrying with a clear error on 535 and delivers once the password is fixed', async () => {
    const auth = { user: 'forms', pass: 'right-password' };
    // A relay on this host without TLS: the password may go in clear only because the URL says so.
    await start({ auth }, (sink) => `smtp://forms:wrong-password@127.0.0.1:${sink.port}?allowPlainAuth=true`);
    const id = await submit();

    const pending = await deliveryOf(id);
    expect(pending).toMatchObject({ status: 'pending', attempts: 1 });
    expect(pending.lastError).toMatch(/^535 .*authentication failed.*SMTP_URL/);
    await retryDue();
    expect(await deliveryOf(id)).toMatchObject({ status: 'pending', attempts: 2 });
    expect(smtp.messages).toHaveLength(0);

    // The owner fixes SMTP_URL and restarts: a new process over the same database.
    const mailer = createSmtpMailer({ url: `${smtp.url}?allowPlainAuth=true`, pool: true, mailFrom: t.deps.config.mailFrom });
    cleanups.push(() => mailer.close());
    const fixed = createOutbox({ ...t.deps, mailer } satisfies Deps);
    t.clock.advance(5 * MINUTE);
    await fixed.run();
    const [mail] = await smtp.waitFor(1);
    expect(await deliveryOf(id)).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
    expect(mail!.parsed.messageId).toBe(pending.messageId);
  });
});

describe('connections lost in the middle of a transaction', () => {
  it('retries a message whose connection dropped mid-DATA and delivers exactly one complete copy', async () => {
    await start();
    smtp.behaviour.dropMidData = true;
    const id = await submit();
    const pending = await deliveryOf(id);
    expect(pending).toMatchObject({ status: 'pending', attempts: 1 });
    expect(pending.lastError).toMatch(/^ECONNECTION: Connection closed unexpectedly/);
    expect(smtp.messages).toHaveLength(0);

    smtp.behaviour.dropMidData = false;
    await retryDue();
    const [mail] = await smtp.waitFor(1);
    expect(await deliveryOf(id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(mail!.parsed.text).toContain('END-OF-MESSAGE');
    expect(mail!.parsed.html).toContain('END-OF-MESSAGE');
    t.clock.advance(DAY);
    await t.outbox.run();
    expect(smtp.messages).toHaveLength(1);
  });

  it('retries a message whose connection dropped after the final dot, and the duplicate carries the same Message-ID', async () => {
    await start();
    smtp.behaviour.dropAfterDot = true;
    const id = await submit();
    const pending = await deliveryOf(id);
    expect(pending).toMatchObject({ status: 'pending', attempts: 1 });
    expect(pending.lastError).toMatch(/^ECONNECTION/);
    expect(smtp.messages).toHaveLength(1);

    smtp.behaviour.dropAfterDot = false;
    await retryDue();
    await smtp.waitFor(2);
    expect(await deliveryOf(id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(smtp.messages.map((m) => m.parsed.messageId)).toEqual([pending.messageId, pending.messageId]);
    // Byte for byte the same message but for the random MIME boundary: a client can tell it is a duplicate.
    const [first, second] = smtp.messages.map((m) =>
      m.raw.replaceAll((m.parsed.headers.get('content-type') as { params: { boundary: string } }).params.boundary, 'BOUNDARY'),
    );
    expect(second).toBe(first);
  });
});

describe('TLS', () => {
  it('names the certificate problem and the rejectUnauthorized hint, and delivers over STARTTLS once the URL allows the certificate', async () => {
    await start({ starttls: true });
    const id = await submit();
    const pending = await deliveryOf(id);
    expect(pending).toMatchObject({ status: 'pending', attempts: 1 });
    expect(pending.lastError).toMatch(/certificate/i);
    expect(pending.lastError).toContain('?tls.rejectUnauthorized=false');
    expect(smtp.messages).toHaveLength(0);

    const mailer = createSmtpMailer({ url: `${smtp.url}?tls.rejectUnauthorized=false`, pool: true, mailFrom: t.deps.config.mailFrom });
    cleanups.push(() => mailer.close());
    t.clock.advance(MINUTE);
    await createOutbox({ ...t.deps, mailer }).run();
    await smtp.waitFor(1);
    expect(await deliveryOf(id)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(smtp.stats.secure).toBeGreaterThan(0);
  });
});

describe('POST /api/mail/test', () => {
  it('answers ok with the server reply after one real delivery', async () => {
    await start();
    const res = await t.api('/mail/test', { method: 'POST', body: JSON.stringify({ to: 'me@site.test' }) });
    expect(await res.json()).toEqual({
      ok: true,
      response: '250 Queued as test',
      transcript: expect.stringMatching(/^S: 220 [^]*C: DATA/m),
    });
    const [mail] = await smtp.waitFor(1);
    expect(mail!.envelope).toEqual({ from: 'forms@harbor.test', to: ['me@site.test'] });
  });

  it('answers not ok with the network error when nothing listens', async () => {
    await start();
    await smtp.close();
    const res = await t.api('/mail/test', { method: 'POST', body: JSON.stringify({ to: 'me@site.test' }) });
    const answer = (await res.json()) as { ok: boolean; error: string };
    expect(answer).toEqual({
      ok: false,
      error: expect.stringMatching(/ECONNREFUSED/),
      transcript: expect.any(String),
      hint: expect.stringMatching(/^Nothing accepted a connection at 127\.0\.0\.1:\d+/),
    });
  });
});
