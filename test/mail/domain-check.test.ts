import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Env } from '../../src/config.ts';
import { generateDkimKey } from '../../src/mail/dkim.ts';
import { checkMailDomain, type DomainCheck } from '../../src/mail/domain-check.ts';
import { nodeDnsLookup } from '../../src/node-wiring.ts';
import { ADMIN_TOKEN, testApp } from '../support/app.ts';
import { chunked, startDnsServer } from '../support/dns-server.ts';

const key = generateDkimKey('harbor.test', 'fh1');
const otherKey = generateDkimKey('wrong.test', 'fh1');
let dns: Awaited<ReturnType<typeof startDnsServer>>;

beforeAll(async () => {
  dns = await startDnsServer({
    // Everything right, the relay named by its provider's include.
    'harbor.test': { mx: ['mx1.harbor.test'], txt: ['v=spf1 include:mailgun.org ~all', 'google-site-verification=abc'] },
    'fh1._domainkey.harbor.test': { txt: [chunked(key.record)] },
    '_dmarc.harbor.test': { txt: ['v=DMARC1; p=quarantine; rua=mailto:dmarc@harbor.test'] },
    // Wrong: two SPF records, another key published, strict DMARC alignment against a subdomain signer.
    'wrong.test': { mx: ['mx.wrong.test'], txt: ['v=spf1 include:mailgun.org ~all', 'v=spf1 mx -all'] },
    'fh1._domainkey.mail.wrong.test': { txt: [chunked(otherKey.record)] },
    '_dmarc.wrong.test': { txt: ['v=DMARC1; p=reject; adkim=s'] },
    // An SPF record that does not parse, and one that does not name the relay.
    'typo.test': { mx: ['mx.typo.test'], txt: ['v=spf1 inlcude:mailgun.org ~all'] },
    'other.test': { mx: ['mx.other.test'], txt: ['v=spf1 include:_spf.google.com ~all'] },
  });
});
afterAll(() => dns.close());

const DKIM = (domain: string, privateKey = key.privateKey): Env => ({
  DKIM_DOMAIN: domain,
  DKIM_SELECTOR: 'fh1',
  DKIM_PRIVATE_KEY: privateKey,
});

async function check(from: string, env: Env = {}) {
  const { config } = loadConfig(
    { MAIL_FROM: `Harbor <forms@${from}>`, SMTP_URL: 'smtp://user:pw@smtp.eu.mailgun.org:587', DNS_SERVERS: dns.address, ...env },
    () => 'unused-secret',
  );
  const report = await checkMailDomain(nodeDnsLookup(config.dnsServers), config);
  return Object.fromEntries(report.checks.map((c) => [c.name, c])) as Record<DomainCheck['name'], DomainCheck>;
}

describe('the mail domain check, against a real DNS server', () => {
  it('should pass a domain with MX, one SPF naming the relay, the configured DKIM key and an aligned DMARC policy', async () => {
    const checks = await check('harbor.test', DKIM('harbor.test'));
    for (const name of ['mx', 'spf', 'dkim', 'dmarc'] as const) expect(checks[name], name).toMatchObject({ status: 'ok', fix: '' });
    expect(checks.dkim.detail).toBe('The key at fh1._domainkey.harbor.test matches DKIM_PRIVATE_KEY.');
    expect(checks.dmarc.detail).toMatch(/p=quarantine; From harbor\.test aligns/);
  });

  it('should say what to publish when nothing is there', async () => {
    const checks = await check('missing.test', DKIM('missing.test'));
    expect(checks.mx).toMatchObject({ status: 'warn', fix: expect.stringMatching(/^Add an MX record for missing\.test/) });
    expect(checks.spf).toMatchObject({
      status: 'fail',
      fix: "Add one TXT record at missing.test: v=spf1 include:mailgun.org ~all (your provider's documentation names the exact include).",
    });
    expect(checks.dkim).toMatchObject({ status: 'fail', fix: `Publish a TXT record at fh1._domainkey.missing.test with: ${key.record}` });
    expect(checks.dmarc).toMatchObject({
      status: 'warn',
      fix: expect.stringMatching(/^Add a TXT record at _dmarc\.missing\.test: v=DMARC1; p=none/),
    });
  });

  it('should fail two SPF records, a published key that is not the configured one, and From not aligned with the DKIM domain', async () => {
    const checks = await check('wrong.test', DKIM('mail.wrong.test'));
    expect(checks.mx.status).toBe('ok');
    expect(checks.spf).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('2 SPF records'),
      fix: expect.stringMatching(/^Merge them into one/),
    });
    expect(checks.dkim).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('not the public half of DKIM_PRIVATE_KEY'),
      fix: expect.stringContaining(`p=${key.record.split('p=')[1]}`),
    });
    expect(checks.dmarc).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('adkim=s'),
      fix: 'Set DKIM_DOMAIN=wrong.test (and publish its key), or set MAIL_FROM to an address @mail.wrong.test.',
    });
  });

  it('should fail an SPF term that does not parse, and warn when the record does not name the relay', async () => {
    expect((await check('typo.test')).spf).toMatchObject({ status: 'fail', detail: expect.stringContaining('inlcude:mailgun.org') });
    const other = await check('other.test');
    expect(other.spf).toMatchObject({ status: 'warn', fix: expect.stringContaining('add include:mailgun.org') });
    expect(other.dkim).toMatchObject({ status: 'warn', fix: expect.stringContaining('npx formharbor dkim generate') });
  });

  it('should answer GET /api/mail/check with the contract shape', async () => {
    const t = await testApp({
      env: {
        DNS_SERVERS: dns.address,
        MAIL_FROM: 'Harbor <forms@harbor.test>',
        SMTP_URL: 'smtp://u:p@smtp.mailgun.org:587',
        ...DKIM('harbor.test'),
      },
    });
    try {
      const res = await t.app.request('/api/mail/check', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { domain: string; checks: DomainCheck[] };
      expect(body.domain).toBe('harbor.test');
      expect(body.checks.map((c) => [c.name, c.status])).toEqual([
        ['mx', 'ok'],
        ['spf', 'ok'],
        ['dkim', 'ok'],
        ['dmarc', 'ok'],
      ]);
      // The admin page's catalogue keys stay out of the API's answer.
      for (const check of body.checks) expect(Object.keys(check).sort()).toEqual(['detail', 'fix', 'name', 'status']);
    } finally {
      await t.close();
    }
  });
});
