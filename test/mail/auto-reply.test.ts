import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { form, testApp, type TestApp } from '../support/app.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';

const DAY = 24 * 60 * 60_000;
const AUTO_REPLY = { subject: 'Thanks for writing', text: 'We got your message and answer within two days.\nThe Harbor team' };

let t: TestApp;
let sink: Awaited<ReturnType<typeof startSmtpSink>>;

beforeEach(async () => {
  sink = await startSmtpSink();
  // Each racer its own address: one address may have only a few bodies in flight at once.
  t = await testApp({ smtpUrl: sink.url, clientIp: (c) => c.req.header('x-test-ip') ?? '192.0.2.1' });
  await t.createForm({ id: 'contact', autoReply: AUTO_REPLY });
});
afterEach(async () => {
  await t.close();
  await sink.close();
});

async function submit(fields: Record<string, string>, ip = '192.0.2.1', status = 201) {
  const headers = { accept: 'application/json', 'x-test-ip': ip };
  const res = await t.app.request('/f/contact', { method: 'POST', headers, body: form(fields) });
  expect(res.status).toBe(status);
  await t.settle();
}

const autoReplies = async () =>
  (await t.database.client.execute(`SELECT recipients, status FROM deliveries WHERE channel = 'autoreply' ORDER BY id`)).rows;
const mailTo = (address: string) => sink.messages.filter((m) => m.envelope.to.includes(address));

describe('auto-reply', () => {
  it('should answer the visitor with only the owner text, once per address per form per day', async () => {
    const hostile = {
      name: 'Eve\r\nBcc: victim@elsewhere.test',
      message: 'Cheap pills at https://pills.example now',
      _subject: 'Pills\r\nBcc: victim@elsewhere.test',
      email: 'visitor@site.test',
    };
    await submit(hostile);
    await submit({ ...hostile, email: 'VISITOR@site.test' });
    await sink.waitFor(3);
    const replies = mailTo('visitor@site.test').concat(mailTo('VISITOR@site.test'));
    expect(replies).toHaveLength(1);
    const reply = replies[0]!;
    expect(reply.parsed.subject).toBe(AUTO_REPLY.subject);
    expect(reply.parsed.text?.trim()).toBe(AUTO_REPLY.text);
    expect(reply.parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(reply.parsed.from?.text).toContain('forms@harbor.test');
    expect(reply.parsed.replyTo).toBeUndefined();
    expect(reply.envelope.to).toEqual(['visitor@site.test']);
    for (const visitorText of ['Eve', 'pills', 'Pills', 'victim@elsewhere.test', 'owner@site.test'])
      expect(reply.raw).not.toContain(visitorText);
    expect(sink.messages.some((m) => m.envelope.to.includes('victim@elsewhere.test'))).toBe(false);
    const rows = await autoReplies();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'sent' });

    t.clock.advance(DAY);
    await submit(hostile);
    await sink.waitFor(5);
    expect(mailTo('visitor@site.test')).toHaveLength(2);
  });

  it('should let the database keep one auto-reply per day when submissions from one address race', async () => {
    await Promise.all(Array.from({ length: 6 }, (_, i) => submit({ message: `try ${i}`, email: 'racer@site.test' }, `192.0.2.${10 + i}`)));
    await sink.waitFor(7);
    expect(await autoReplies()).toHaveLength(1);
    expect(mailTo('racer@site.test')).toHaveLength(1);
    const submissions = await t.database.client.execute(`SELECT count(*) AS n FROM submissions`);
    expect(submissions.rows[0]!.n).toBe(6);
  });

  it('should never answer spam', async () => {
    await submit({ message: 'hi', email: 'bot@site.test', _gotcha: 'filled by a bot' });
    await submit({ message: 'hi', email: 'person@site.test' });
    await sink.waitFor(2);
    expect(mailTo('bot@site.test')).toHaveLength(0);
    expect(await autoReplies()).toEqual([expect.objectContaining({ recipients: '["person@site.test"]' })]);
  });

  it('should not answer without a valid Reply-To address', async () => {
    await submit({ message: 'no address at all' });
    // An invalid one is the visitor's to correct: the submission is refused, nothing is sent.
    await submit({ message: 'a broken one', _replyto: 'not an address' }, undefined, 422);
    await sink.waitFor(1);
    expect(await autoReplies()).toHaveLength(0);
    expect(sink.messages.every((m) => m.envelope.to.includes('owner@site.test'))).toBe(true);
    // The same form does answer an address it was given.
    await submit({ message: 'with one', email: 'given@site.test' });
    await sink.waitFor(3);
    expect(await autoReplies()).toHaveLength(1);
  });

  it('should refuse an auto-reply subject that could start a new header', async () => {
    const res = await t.api('/forms/contact', {
      method: 'PATCH',
      body: JSON.stringify({ autoReply: { subject: 'Thanks\r\nBcc: x@evil.test', text: 'ok' } }),
    });
    expect(res.status).toBe(422);
    const off = await t.api('/forms/contact', { method: 'PATCH', body: JSON.stringify({ autoReply: null }) });
    expect(((await off.json()) as { autoReply: unknown }).autoReply).toBeNull();
  });
});
