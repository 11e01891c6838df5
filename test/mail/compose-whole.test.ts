import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Submission } from '../../src/db/schema.ts';
import { generateDkimKey } from '../../src/mail/dkim.ts';
import type { OutgoingMessage } from '../../src/mail/mailer.ts';
import { renderNotification } from '../../src/mail/render.ts';
import { createSmtpMailer } from '../../src/mail/smtp.ts';
import { testApp, type TestApp } from '../support/app.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

// The Workers build composes each message whole before sending it (`composeWhole`); Node
// streams it. The owner must get the same mail either way, signed the same way.

const key = generateDkimKey('harbor.test', 'fh1');
const resolver = async (name: string, type: string) => {
  if (type === 'TXT' && name === key.name) return [[key.record]];
  throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
};
const MAIL_FROM = 'Harbor <forms@harbor.test>';

const submission: Submission = {
  id: '01JZCOMPOSEWHOLE00000000000',
  formId: 'contact',
  createdAt: Date.UTC(2026, 11, 5, 12),
  status: 'inbox',
  // Non-ASCII to encode, HTML to escape, a line starting with a dot for SMTP to stuff, a long line to fold.
  data: { name: 'Jürgen 陳', email: 'jurgen@example.com', message: `<b>hi</b>\n.dot line\n${'long '.repeat(80)}` },
  meta: {},
  idempotencyKey: null,
  bodyHash: null,
  readAt: null,
};

let sink: SmtpSink;
let t: TestApp;
let message: OutgoingMessage;
beforeAll(async () => {
  sink = await startSmtpSink();
  t = await testApp();
  const form = await t.createForm({
    id: 'contact',
    name: 'Kontakt — 聯絡',
    recipients: ['owner@site.test', 'second@site.test'],
    language: 'de',
  });
  message = renderNotification({
    form,
    submission,
    messageId: '<whole@harbor.test>',
    mailFrom: MAIL_FROM,
    publicUrl: 'http://harbor.test',
  });
});
afterAll(async () => {
  await sink.close();
  await t.close();
});

async function sent(composeWhole: boolean, dkim?: typeof key) {
  const dkimKey = dkim && { domainName: 'harbor.test', keySelector: 'fh1', privateKey: dkim.privateKey };
  const mailer = createSmtpMailer({ url: sink.url, pool: false, mailFrom: MAIL_FROM, composeWhole, dkim: dkimKey });
  const before = sink.messages.length;
  const result = await mailer.send(message);
  mailer.close();
  expect(result).toMatchObject({ ok: true });
  const [mail] = (await sink.waitFor(before + 1)).slice(before);
  return mail!;
}

/** A message with its MIME boundaries, which nodemailer draws at random, made equal. */
const withoutBoundaries = (raw: string) => {
  const boundaries = [...raw.matchAll(/boundary="([^"]+)"/g)].map((match) => match[1]!);
  return boundaries.reduce((text, boundary, i) => text.replaceAll(boundary, `boundary-${i}`), raw);
};

describe('a message composed whole before sending (the Workers build)', () => {
  it('should reach the server byte for byte as the streamed one does, boundaries aside', async () => {
    const streamed = await sent(false);
    const whole = await sent(true);
    expect(whole.envelope).toEqual(streamed.envelope);
    expect(withoutBoundaries(whole.raw)).toBe(withoutBoundaries(streamed.raw));
    // And the content survived: the checks above would pass on two equally broken mails.
    expect(whole.parsed.messageId).toBe('<whole@harbor.test>');
    expect(whole.parsed.text).toContain('Jürgen 陳');
    expect(whole.parsed.text).toContain('\n.dot line\n');
    expect(whole.parsed.html).toContain('&lt;b&gt;hi&lt;/b&gt;');
    expect(whole.parsed.subject).toContain('Kontakt — 聯絡');
  });

  it('should hand the socket the message whole, where streaming takes a write per MIME piece', async () => {
    // What the Workers build saves: each write crosses into workerd (src/mail/smtp.ts, `composed`).
    const writes = async (composeWhole: boolean) => {
      const write = vi.spyOn(Socket.prototype, '_write');
      const writev = vi.spyOn(Socket.prototype, '_writev');
      try {
        await sent(composeWhole);
        // The sink answers from this process too: only the client's writes, to the sink's port, count.
        const port = Number(new URL(sink.url).port);
        return [...write.mock.contexts, ...writev.mock.contexts].filter((socket) => (socket as Socket).remotePort === port).length;
      } finally {
        write.mockRestore();
        writev.mockRestore();
      }
    };
    const streamed = await writes(false);
    const whole = await writes(true);
    // EHLO, the pipelined envelope, the message and its final dot: four here, against thirteen streamed.
    expect(whole).toBeLessThanOrEqual(5);
    expect(streamed).toBeGreaterThan(whole + 3);
  });

  it('should be DKIM-signed so that a verifier passes it', async () => {
    const whole = await sent(true, key);
    expect(whole.raw).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256;/);
    const { results } = await dkimVerify(Buffer.from(whole.raw), { resolver });
    expect(results.map((result) => result.status.result)).toEqual(['pass']);
  });
});
