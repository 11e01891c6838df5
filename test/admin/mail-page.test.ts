import { afterEach, describe, expect, it } from 'vitest';
import { csrfTokenOf, adminBrowser } from '../support/admin.ts';
import { testApp, type TestApp } from '../support/app.ts';
import { startDnsServer } from '../support/dns-server.ts';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

let t: TestApp;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const { session, page, post } = adminBrowser(() => t);

async function start(env: Record<string, string>) {
  t = await testApp({ env });
  cleanups.push(() => t.close());
}
async function sink(options: Parameters<typeof startSmtpSink>[0] = {}): Promise<SmtpSink> {
  const started = await startSmtpSink(options);
  cleanups.push(() => started.close());
  return started;
}

describe('the admin mail page', () => {
  it('should show the settings with passwords masked, linked from the nav', async () => {
    const primary = await sink();
    await start({
      SMTP_URL: `smtp://owner:s3cret-Primary@127.0.0.1:${primary.port}`,
      SMTP_BACKUP_URL: 'smtps://backup:s3cret-Backup@smtp.backup.test:465',
    });
    const cookie = await session();
    expect((await page('/admin', cookie)).html).toContain('<a href="/admin/mail">Mail</a>');
    const { res, html } = await page('/admin/mail', cookie);
    expect(res.status).toBe(200);
    expect(html).toContain(`smtp://owner:****@127.0.0.1:${primary.port}`);
    expect(html).toContain('smtps://backup:****@smtp.backup.test:465');
    expect(html).not.toMatch(/s3cret/);
    expect(html).toContain('Outbox: 0 pending');
  });

  it('should run the domain check on request and show each status with its fix', async () => {
    const dns = await startDnsServer({ 'harbor.test': { mx: ['mx.harbor.test'], txt: ['v=spf1 mx -all'] } });
    cleanups.push(() => dns.close());
    await start({ DNS_SERVERS: dns.address, MAIL_FROM: 'Harbor <forms@harbor.test>' });
    const cookie = await session();
    expect((await page('/admin/mail', cookie)).html).toContain('<a href="/admin/mail?check=1">');
    const html = (await page('/admin/mail?check=1', cookie)).html;
    expect(html).toContain('Domain of MAIL_FROM: <strong>harbor.test</strong>');
    expect(html).toMatch(/<td[^>]*>MX<\/td><td[^>]*><span class="badge">ok<\/span><\/td>/);
    expect(html).toMatch(
      /<td[^>]*>DMARC<\/td><td[^>]*><span class="badge error">warning<\/span><\/td>.*Add a TXT record at _dmarc\.harbor\.test/,
    );
  });

  it('should send a test email from the form and show the transcript, and the hint on failure', async () => {
    const relay = await sink({ auth: { user: 'owner', pass: 'right-password' }, starttls: true });
    await start({ SMTP_URL: `smtp://owner:Wr0ng-pass@127.0.0.1:${relay.port}?tls.rejectUnauthorized=false` });
    const cookie = await session();
    const token = csrfTokenOf((await page('/admin/mail', cookie)).html);
    // Without the page's token nothing is sent.
    expect((await post('/admin/mail/test', { to: 'me@site.test' }, { cookie })).status).toBe(403);
    const res = await post('/admin/mail/test', { to: 'me@site.test', _csrf: token }, { cookie });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('Not sent');
    expect(html).toMatch(/<strong>What to do:<\/strong> The relay refused the user name or password in SMTP_URL/);
    expect(html).toMatch(/C: AUTH PLAIN &lt;credentials redacted&gt;/);
    expect(html).not.toContain('Wr0ng-pass');
    expect(relay.messages).toHaveLength(0);
  });

  it('should report the last success and last error of each relay from the delivery history', async () => {
    const relay = await sink();
    const backup = await sink();
    await start({ SMTP_URL: relay.url, SMTP_BACKUP_URL: backup.url });
    await t.createForm({ id: 'contact' });
    const cookie = await session();
    const before = (await page('/admin/mail', cookie)).html;
    expect(before).toMatch(/<th>Primary \(SMTP_URL\)<\/th><td>—<\/td><td>—<\/td>/);
    const submitted = await t.app.request('/f/contact', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"message":"hi"}',
    });
    expect(submitted.status).toBe(201);
    await t.settle();
    const after = (await page('/admin/mail', cookie)).html;
    expect(after).toMatch(/<th>Primary \(SMTP_URL\)<\/th><td>1 Jan 2026, 00:00:00<\/td><td>—<\/td>/);
    expect(after).toMatch(/<th>Backup \(SMTP_BACKUP_URL\)<\/th><td>—<\/td><td>—<\/td>/);
    // The primary refuses for a while: the backup takes the next message, and each row says so.
    relay.behaviour.rcpt = '451 4.3.0 Try again later';
    t.clock.advance(60_000);
    const again = await t.app.request('/f/contact', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"message":"again"}',
    });
    expect(again.status).toBe(201);
    await t.settle();
    const failedOver = (await page('/admin/mail', cookie)).html;
    expect(failedOver).toMatch(
      /<th>Primary \(SMTP_URL\)<\/th><td>1 Jan 2026, 00:00:00<\/td><td>1 Jan 2026, 00:01:00: <span class="error"><bdi>[^<]*451 4\.3\.0 Try again later[^<]*<\/bdi>/,
    );
    expect(failedOver).toMatch(/<th>Backup \(SMTP_BACKUP_URL\)<\/th><td>1 Jan 2026, 00:01:00<\/td><td>—<\/td>/);
    // The primary's row shows the primary's words, not the backup's acceptance.
    expect(failedOver).not.toMatch(/<th>Primary[^]*Queued as test[^]*<th>Backup/);
    // The submission's own history names the relay of each attempt.
    const { id } = (await again.json()) as { id: string };
    expect((await page(`/admin/submissions/${id}`, cookie)).html).toMatch(
      /<th[^>]*>Relay<\/th>[^]*<td[^>]*>sent<\/td><td[^>]*>backup<\/td>/,
    );
  });
});
