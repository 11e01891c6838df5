import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { classifySmtpError } from '../../src/mail/smtp.ts';
import { form, testApp, type TestApp } from '../support/app.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';
import { testCertificate } from '../support/wrangler.ts';

// A server that offers no STARTTLS yet takes AUTH in clear: what a man in the middle who strips
// STARTTLS from the EHLO reply looks like to the client.

const USER = { user: 'formharbor', pass: 'smtp-secret' };

let t: TestApp | undefined;
let sink: SmtpSink | undefined;
afterEach(async () => {
  await t?.close();
  await sink?.close();
  t = sink = undefined;
});

async function plainServer() {
  sink = await startSmtpSink({ auth: USER, authOptional: false, allowInsecureAuth: true, disabledCommands: ['STARTTLS'] });
  return { sink, authAttempts: sink.auths };
}

async function deliveryAfterOneSubmission(smtpUrl: string) {
  t = await testApp({ smtpUrl });
  await t.createForm({ id: 'contact' });
  const res = await t.app.request('/f/contact', { method: 'POST', headers: { accept: 'application/json' }, body: form({ message: 'hi' }) });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  await t.settle();
  const { deliveries } = (await (await t.api(`/submissions/${id}`)).json()) as {
    deliveries: { status: string; attempts: number; lastError: string | null }[];
  };
  return deliveries[0]!;
}

describe('SMTP credentials never travel in clear', () => {
  it('should send no AUTH to a server without STARTTLS, and say why in lastError while the delivery stays retried', async () => {
    const { sink, authAttempts } = await plainServer();
    const delivery = await deliveryAfterOneSubmission(sink.url);
    expect(authAttempts).toEqual([]);
    expect(sink.messages).toHaveLength(0);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1 });
    expect(delivery.lastError).toMatch(/^the server offered no STARTTLS, so the password was not sent: .+/);
    expect(delivery.lastError).toContain('?allowPlainAuth=true');
  });

  it('should authenticate in clear with ?allowPlainAuth=true, the documented opt-out for a relay on this host', async () => {
    const { sink, authAttempts } = await plainServer();
    const delivery = await deliveryAfterOneSubmission(`${sink.url}?allowPlainAuth=true`);
    expect(delivery).toMatchObject({ status: 'sent', attempts: 1 });
    expect(authAttempts).toEqual([{ user: USER.user, secure: false }]);
  });

  it('should not let ?requireTLS=false in the URL turn the protection off', async () => {
    const { sink, authAttempts } = await plainServer();
    const delivery = await deliveryAfterOneSubmission(`${sink.url}?requireTLS=false`);
    expect(authAttempts).toEqual([]);
    expect(delivery.status).toBe('pending');
  });

  it('should still send without TLS when the URL has no credentials', async () => {
    sink = await startSmtpSink();
    expect(await deliveryAfterOneSubmission(sink.url)).toMatchObject({ status: 'sent' });
  });
});

describe('the certificate hint', () => {
  it('should name trusting the CA first and turning verification off last', () => {
    const error = Object.assign(new Error('self-signed certificate'), { code: 'ETLS' });
    const { temporary, error: text } = classifySmtpError(error);
    expect(temporary).toBe(true);
    expect(text).toMatch(/^self-signed certificate: trust its CA/);
    expect(text.indexOf('NODE_EXTRA_CA_CERTS')).toBeLessThan(text.indexOf('?tls.rejectUnauthorized=false'));
    expect(text).toMatch(/\?tls\.rejectUnauthorized=false$/);
  });

  it('should deliver over STARTTLS to a private CA given in ?tls.ca=, as the hint says', async (context) => {
    const dir = mkdtempSync(join(tmpdir(), 'formharbor-ca-'));
    try {
      const certificate = testCertificate(dir);
      if (!certificate) return context.skip('openssl is not installed');
      sink = await startSmtpSink({ auth: USER, starttls: true, key: certificate.key, cert: certificate.cert });
      const ca = encodeURIComponent(readFileSync(certificate.caFile, 'utf8'));
      expect(await deliveryAfterOneSubmission(`${sink.url}?tls.ca=${ca}`)).toMatchObject({ status: 'sent' });
      expect(sink.auths).toEqual([{ user: USER.user, secure: true }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
