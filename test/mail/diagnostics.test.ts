import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { MailTestResult } from '../../src/mail/mailer.ts';
import { renderTestMessage } from '../../src/mail/render.ts';
import { createSmtpMailer } from '../../src/mail/smtp.ts';
import { startSmtpSink, type SinkOptions, type SmtpSink } from '../support/smtp-sink.ts';

const PASSWORD = 'wrong-Pa55word!';
const base64 = (text: string) => Buffer.from(text).toString('base64').replace(/=+$/, '');
const sinks: SmtpSink[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((sink) => sink.close()));
});

async function sink(options: SinkOptions = {}) {
  const started = await startSmtpSink(options);
  sinks.push(started);
  return started;
}

/** A port that was free a moment ago: nothing answers there. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One test send through a fresh mailer, as POST /api/mail/test makes it; the transcript as one text. */
async function testSend(url: string): Promise<MailTestResult & { text: string }> {
  const mailer = createSmtpMailer({ url, pool: false, mailFrom: 'Harbor <forms@harbor.test>' });
  try {
    const result = await mailer.test!(renderTestMessage('Harbor <forms@harbor.test>', 'owner@site.test', Date.now()));
    return { ...result, text: result.transcript.join('\n') };
  } finally {
    mailer.close();
  }
}

describe('a test email against real SMTP servers', () => {
  it('should record the conversation of a delivery that works, and give no hint', async () => {
    const server = await sink();
    const result = await testSend(server.url);
    expect(result).toMatchObject({ ok: true, response: '250 Queued as test' });
    expect(result.hint).toBeUndefined();
    expect(result.text).toMatch(/^S: 220 [^]*^C: EHLO [^]*^C: MAIL FROM:<forms@harbor\.test>[^]*^S: 250 Queued as test/m);
    // The message is the visitor's text, not part of the conversation.
    expect(result.text).not.toContain('your SMTP settings work');
  });

  it('should say that smtp:// on an implicit-TLS port waits for a greeting that never comes', async () => {
    const server = await sink({ secure: true });
    const result = await testSend(`smtp://127.0.0.1:${server.port}?greetingTimeout=1500`);
    expect(result.ok).toBe(false);
    expect(result.hint).toMatch(/never greeted: it expects TLS from the first byte .*Use smtps:\/\/…:\d+ in SMTP_URL/);
  });

  it('should say that smtps:// on a STARTTLS port meets a plain-text server', async () => {
    const server = await sink({ starttls: true });
    const result = await testSend(`smtps://127.0.0.1:${server.port}`);
    expect(result.ok).toBe(false);
    expect(result.hint).toMatch(/SMTP_URL says smtps:\/\/ .*started in plain text: that port wants STARTTLS\. Use smtp:\/\/…:\d+/);
  });

  it('should name the certificate when the TLS server is not trusted', async () => {
    const server = await sink({ secure: true });
    const result = await testSend(`smtps://127.0.0.1:${server.port}`);
    expect(result.ok).toBe(false);
    expect(result.hint).toMatch(/certificate is not trusted .*trust its CA/);
  });

  it('should point at the password, and an app password for Gmail, on a 535, never showing the password', async () => {
    // Over STARTTLS, as credentials must be sent; the sink's certificate is its own, self-signed.
    const server = await sink({ auth: { user: 'owner@harbor.test', pass: 'the-right-one' }, starttls: true });
    const result = await testSend(
      `smtp://${encodeURIComponent('owner@harbor.test')}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}?tls.rejectUnauthorized=false`,
    );
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/^535 /) });
    expect(result.hint).toMatch(/refused the user name or password in SMTP_URL.*Gmail .* app password/);
    expect(result.text).toMatch(/^C: AUTH PLAIN <credentials redacted>$/m);
    expect(result.text).toMatch(/^S: 535 /m);
    for (const secret of [PASSWORD, base64(PASSWORD), base64(`\u0000owner@harbor.test\u0000${PASSWORD}`)])
      expect(result.text).not.toContain(secret);
  });

  it('should say the host blocks or nothing listens when the port is closed', async () => {
    const port = await closedPort();
    const result = await testSend(`smtp://127.0.0.1:${port}`);
    expect(result).toMatchObject({ ok: false, temporary: true });
    expect(result.hint).toMatch(
      new RegExp(`^Nothing accepted a connection at 127\\.0\\.0\\.1:${port}.*Try 587 with smtp:// or 465 with smtps://`),
    );
  });

  it('should say MAIL_FROM is not allowed when the relay refuses the sender', async () => {
    const server = await sink({
      onMailFrom: (_address, _session, callback) =>
        callback(Object.assign(new Error('5.7.1 Sender address rejected: not owned by user'), { responseCode: 553 })),
    });
    const result = await testSend(server.url);
    expect(result).toMatchObject({ ok: false, temporary: false, error: expect.stringMatching(/^553 /) });
    expect(result.hint).toMatch(/refused MAIL_FROM as the sender/);
    expect(result.text).toMatch(/^C: MAIL FROM:<forms@harbor\.test>$[^]*^S: 553 /m);
  });

  it('should say the relay denies relaying when RCPT is refused as such', async () => {
    const server = await sink();
    server.behaviour.rcpt = '554 5.7.1 Relay access denied';
    const result = await testSend(server.url);
    expect(result.ok).toBe(false);
    expect(result.hint).toMatch(/will not pass mail on to other domains .*log in/);
  });

  it('should give a hint for every failure: an unknown recipient, a refused message, a conversation cut off', async () => {
    const server = await sink();
    server.behaviour.rcpt = '550 5.1.1 No such user';
    const unknown = await testSend(server.url);
    expect(unknown).toMatchObject({ ok: false, temporary: false, error: '550 5.1.1 No such user' });
    expect(unknown.hint).toMatch(
      new RegExp(`^The relay at 127\\.0\\.0\\.1:${server.port} took the connection and the sender, then refused the address`),
    );

    server.behaviour.rcpt = undefined;
    server.behaviour.data = '554 5.7.1 Message rejected as spam';
    const refused = await testSend(server.url);
    expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/^554 5\.7\.1/) });
    expect(refused.hint).toMatch(/refused the message itself/);

    // A coded refusal before any mail is about the session (this server's address, a busy relay), not the message.
    server.behaviour.data = undefined;
    server.behaviour.greeting = '554 5.7.1 Your IP is blocked';
    const blocked = await testSend(server.url);
    expect(blocked.ok).toBe(false);
    expect(blocked.hint).toMatch(/answered, then would not go on before any mail/);
    server.behaviour.greeting = undefined;

    server.behaviour.dropMidData = true;
    const cut = await testSend(server.url);
    expect(cut.ok).toBe(false);
    expect(cut.hint).toMatch(/broke off where the transcript ends: check the host, port and scheme in SMTP_URL/);
  });

  it("should append the hint to an ordinary send's error, which becomes the delivery's lastError", async () => {
    const port = await closedPort();
    const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${port}`, pool: false, mailFrom: 'forms@harbor.test' });
    const result = await mailer.send(renderTestMessage('forms@harbor.test', 'owner@site.test', Date.now()));
    mailer.close();
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/ECONNREFUSED.* — Nothing accepted a connection/) });
  });
});
