import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../../src/mail/mailer.ts';
import { renderTestMessage } from '../../src/mail/render.ts';
import { classifySmtpError, createSmtpMailer } from '../../src/mail/smtp.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';

const smtpError = (responseCode: number, response: string, code = 'EENVELOPE') =>
  Object.assign(new Error(response), { code, responseCode, response });

describe('SMTP replies, MTA style (RFC 5321 §4.2.1)', () => {
  it('should retry 4xx, give up on 5xx, and keep the reply with its code', () => {
    expect(classifySmtpError(smtpError(451, '451 4.3.0 Try later'))).toEqual({ temporary: true, error: '451 4.3.0 Try later' });
    expect(classifySmtpError(smtpError(550, '550 5.1.1 No such user'))).toEqual({ temporary: false, error: '550 5.1.1 No such user' });
  });

  it('should retry every authentication reply with the cause spelled out, since the owner can fix it', () => {
    for (const [code, reply] of [
      [530, '530 5.7.0 Authentication required'],
      [535, '535 5.7.8 Bad credentials'],
      [534, '534 5.7.9 Stronger mechanism needed'],
    ] as const) {
      const result = classifySmtpError(smtpError(code, reply, 'EENVELOPE'));
      expect(result.temporary, reply).toBe(true);
      expect(result.error).toMatch(new RegExp(`^${code} .*check the user and password in SMTP_URL`));
    }
  });

  it('should retry network errors', () => {
    expect(classifySmtpError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ESOCKET' }))).toEqual({
      temporary: true,
      error: 'ESOCKET: connect ECONNREFUSED 127.0.0.1:1',
    });
  });

  // workerd's words for a failed smtps:// handshake, seen under wrangler dev; test/worker.test.ts
  // covers the STARTTLS one against a real untrusted certificate.
  it('should say what workerd means when it cannot connect', () => {
    const error = Object.assign(new Error('proxy request failed, cannot connect to the specified address'), { code: 'ESOCKET' });
    expect(classifySmtpError(error)).toEqual({
      temporary: true,
      error:
        'ESOCKET: proxy request failed, cannot connect to the specified address (on Workers: nothing accepted the connection at that host and port, or, with smtps://, its certificate is not publicly trusted)',
    });
  });
});

describe('the transport never reads files or fetches URLs for a message', () => {
  it('should refuse content that names a file or a URL, and send nothing', async () => {
    const sink = await startSmtpSink();
    const mailer = createSmtpMailer({ url: sink.url, pool: false, mailFrom: 'Formharbor <forms@harbor.test>' });
    try {
      const message = renderTestMessage('Formharbor <forms@harbor.test>', 'owner@site.test', Date.now());
      for (const path of [fileURLToPath(import.meta.url), `${sink.url.replace('smtp:', 'http:')}/secret`]) {
        // Not reachable through OutgoingMessage's types today: this guards a later change that passes content objects.
        const result = await mailer.send({ ...message, attachments: [{ path }] } as OutgoingMessage);
        expect(result, path).toMatchObject({ ok: false, error: expect.stringMatching(/access rejected/i) });
      }
      expect(sink.messages).toEqual([]);
    } finally {
      mailer.close();
      await sink.close();
    }
  });
});
