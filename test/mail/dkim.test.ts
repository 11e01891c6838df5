import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { generateDkimKey } from '../../src/mail/dkim.ts';
import { renderTestMessage } from '../../src/mail/render.ts';
import { createSmtpMailer } from '../../src/mail/smtp.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

const key = generateDkimKey('harbor.test', 'fh1');
/** The published record, served the way node:dns answers a TXT query: chunks of at most 255 characters. */
const resolver = async (name: string, type: string) => {
  if (type === 'TXT' && name === key.name) return [key.record.match(/.{1,255}/g)!];
  throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
};
const verdicts = async (raw: string) =>
  (await dkimVerify(Buffer.from(raw), { resolver })).results.map(
    (r) => `${r.status.result}${r.status.comment ? ` (${r.status.comment})` : ''}`,
  );

let sink: SmtpSink;
beforeAll(async () => {
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink.close();
});

describe('DKIM signing', () => {
  it('should sign a delivered message so that a verifier given the published key passes it, and fail a tampered body', async () => {
    const { config } = loadConfig(
      {
        SMTP_URL: sink.url,
        MAIL_FROM: 'Harbor <forms@harbor.test>',
        DKIM_DOMAIN: 'harbor.test',
        DKIM_SELECTOR: 'fh1',
        DKIM_PRIVATE_KEY: key.privateKey,
      },
      () => 'secret-secret-secret',
    );
    const mailer = createSmtpMailer({ url: sink.url, pool: false, mailFrom: config.mailFrom, dkim: config.dkim });
    const result = await mailer.send(renderTestMessage(config.mailFrom, 'owner@site.test', Date.now()));
    mailer.close();
    expect(result.ok).toBe(true);
    const [mail] = await sink.waitFor(1);
    expect(mail!.raw).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256;[^]*?\bd=harbor\.test;[^]*?\bs=fh1;/);
    expect(await verdicts(mail!.raw)).toEqual(['pass']);
    // The body only: a verifier must notice that the signed body hash no longer matches.
    const tampered = mail!.raw.replace('your SMTP settings work', 'your SMTP settings w0rk');
    expect(tampered).not.toBe(mail!.raw);
    expect(await verdicts(tampered)).toEqual([expect.stringMatching(/^(fail|neutral) \(body hash did not verify\)$/)]);
  });

  it("should print a record whose key is the private key's public half", async () => {
    expect(key.name).toBe('fh1._domainkey.harbor.test');
    expect(key.record).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/]+=*$/);
    // RSA-2048: the SubjectPublicKeyInfo is 294 bytes, 392 base64 characters.
    expect(key.record.split('p=')[1]).toHaveLength(392);
  });
});

describe('DKIM configuration', () => {
  const env = { DKIM_DOMAIN: 'harbor.test', DKIM_SELECTOR: 'fh1' };
  it('should accept the key on one line with \\n escapes, as env files and secret stores hold it', () => {
    const oneLine = key.privateKey.trim().split('\n').join('\\n');
    const { config } = loadConfig({ ...env, DKIM_PRIVATE_KEY: oneLine }, () => 'x');
    expect(config.dkim).toEqual({ domainName: 'harbor.test', keySelector: 'fh1', privateKey: key.privateKey });
  });

  it('should stop with one line naming DKIM_PRIVATE_KEY, never quoting it, when the key does not parse', () => {
    const attempt = () =>
      loadConfig({ ...env, DKIM_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----' }, () => 'x');
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/^Invalid DKIM_PRIVATE_KEY=\(hidden\): is not a PEM private key .*dkim generate/);
    expect(() => attempt()).not.toThrow(/\n|bm90/);
  });

  it('should refuse a partial DKIM setting, naming what is missing', () => {
    expect(() => loadConfig({ DKIM_DOMAIN: 'harbor.test' }, () => 'x')).toThrow(
      /^Invalid DKIM_SELECTOR: .*DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY/,
    );
    expect(loadConfig({}, () => 'x').config.dkim).toBeNull();
  });
});
