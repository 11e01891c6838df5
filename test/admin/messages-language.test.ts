import { afterEach, describe, expect, it } from 'vitest';
import { adminBrowser, csrfTokenOf } from '../support/admin.ts';
import { testApp, type TestApp } from '../support/app.ts';
import { startDnsServer } from '../support/dns-server.ts';
import { startSmtpSink } from '../support/smtp-sink.ts';

// The server's own messages on the admin's pages, in the owner's language: what zod, the
// CSRF check, the domain check and the counts say, not only the labels around them.

let t: TestApp;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
const { session, page, post, submit } = adminBrowser(() => t);

async function start(env: Record<string, string> = {}) {
  t = await testApp({ env });
  cleanups.push(() => t.close());
}

/** A signed-in owner who chose `lang` with the nav's switch. */
async function ownerIn(lang: string) {
  const cookie = `${await session()}; lang=${lang}`;
  return { cookie, token: csrfTokenOf((await page('/admin/new-form', cookie)).html) };
}

const newForm = (token: string, recipients: string) => ({ _csrf: token, id: 'kontakt', name: 'Kontakt', recipients });

describe('server messages in the owner’s language', () => {
  it('should name a wrong address in the form editor in German and in Chinese, not in English', async () => {
    await start();
    const de = await ownerIn('de');
    const german = await post('/admin/new-form', newForm(de.token, 'keine-adresse'), { cookie: de.cookie });
    expect(german.status).toBe(422);
    const html = await german.text();
    expect(html).toContain('&quot;keine-adresse&quot;: muss eine einfache E-Mail-Adresse sein');
    expect(html).not.toContain('must be a plain email address');

    const zh = await ownerIn('zh-TW');
    const chinese = await (
      await post('/admin/new-form', { ...newForm(zh.token, ''), fields: '[{"name": "a b", "type": "text"}]' }, zh)
    ).text();
    expect(chinese).toContain('至少需要 1 項');
    expect(chinese).toContain('第 1 個欄位 (name): 英文字母、數字、_ . -（最多 64 個）');
    expect(chinese).not.toMatch(/Too small|letters, digits/);
  });

  it('should refuse a post without the page’s token with the Chinese refusal page', async () => {
    await start();
    const { cookie } = await ownerIn('zh-TW');
    const refused = await post('/admin/new-form', newForm('forged', 'a@example.com'), { cookie });
    expect(refused.status).toBe(403);
    const html = await refused.text();
    expect(html).toContain('這個動作不是從 Formharbor 頁面送出的，因此沒有做任何變更');
    expect(html).not.toContain('was not sent from a Formharbor page');
    // The same refusal of a cross-site post, before any session is read.
    const crossSite = await post('/admin/logout', {}, { cookie, origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(await crossSite.text()).toContain('這個動作不是從 Formharbor 頁面送出的');
  });

  it('should say a refused setting and a missing page in German, field by field', async () => {
    await start();
    const { cookie, token } = await ownerIn('de');
    const refused = await post('/admin/settings', { _csrf: token, timeZone: 'Mars/Olympus' }, { cookie });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(html).toContain('Einige Felder sind ungültig');
    expect(html).toContain('<strong>timeZone</strong>: muss eine Zeitzone wie Europe/Berlin oder Asia/Taipei sein');
    const missing = await page('/admin/forms/nope', cookie);
    expect(missing.res.status).toBe(404);
    expect(missing.html).toContain('Dieses Formular gibt es nicht');
    expect(missing.html).not.toContain('There is no such form');
  });

  it('should show the domain check’s findings and fixes in German', async () => {
    const dns = await startDnsServer({ 'harbor.test': { mx: ['mx.harbor.test'], txt: ['v=spf1 mx -all'] } });
    cleanups.push(() => dns.close());
    await start({ DNS_SERVERS: dns.address, MAIL_FROM: 'Harbor <forms@harbor.test>' });
    const { cookie } = await ownerIn('de');
    const html = (await page('/admin/mail?check=1', cookie)).html;
    expect(html).toMatch(
      /<td[^>]*>MX<\/td><td[^>]*><span class="badge">in Ordnung<\/span><\/td><td[^>]*><bdi>harbor\.test empfängt E-Mail über mx\.harbor\.test/,
    );
    expect(html).toMatch(/<td[^>]*>DMARC<\/td><td[^>]*><span class="badge error">Warnung<\/span>/);
    expect(html).toContain('harbor.test veröffentlicht keine DMARC-Richtlinie');
    expect(html).toContain('Einen TXT-Eintrag unter _dmarc.harbor.test anlegen');
    expect(html).not.toMatch(/publishes no DMARC|Add a TXT record/);
  });

  it('should give the test email’s hint in Chinese and keep the relay’s own reply as it was said', async () => {
    const relay = await startSmtpSink({ auth: { user: 'owner', pass: 'right-password' }, starttls: true });
    cleanups.push(() => relay.close());
    await start({ SMTP_URL: `smtp://owner:Wr0ng-pass@127.0.0.1:${relay.port}?tls.rejectUnauthorized=false` });
    const { cookie } = await ownerIn('zh-TW');
    const token = csrfTokenOf((await page('/admin/mail', cookie)).html);
    const html = await (await post('/admin/mail/test', { to: 'me@site.test', _csrf: token }, { cookie })).text();
    expect(html).toContain('轉寄伺服器拒絕了 SMTP_URL 中的使用者名稱或密碼');
    expect(html).not.toContain('The relay refused the user name');
    // The relay's words are its own: not translated.
    expect(html).toMatch(/<bdi>[^<]*535[^<]*<\/bdi>/);
  });

  it('should say in German that mail is not set up, on the mail page and its test', async () => {
    await start();
    const { cookie } = await ownerIn('de');
    const token = csrfTokenOf((await page('/admin/mail', cookie)).html);
    const html = await (await post('/admin/mail/test', { to: 'me@site.test', _csrf: token }, { cookie })).text();
    expect(html).toContain('SMTP_URL ist nicht eingerichtet');
    expect(html).toContain('SMTP_URL setzen (z. B. smtp://benutzer:passwort@smtp.example.com:587) und neu starten');
    expect(html).not.toMatch(/is not configured|and restart/);
  });

  it('should refuse a webhook address in German on the webhooks page', async () => {
    await start();
    await t.createForm({ id: 'contact' });
    const { cookie, token } = await ownerIn('de');
    const refuse = async (url: string) =>
      (await post('/admin/forms/contact/webhooks', { _csrf: token, url, format: 'standard' }, { cookie })).text();
    expect(await refuse('https://localhost/hook')).toContain('darf nicht auf diesen Rechner zeigen');
    expect(await refuse('javascript:alert(1)')).toContain('muss eine https-Adresse sein');
  });

  it.each([
    ['en', 'Archive 1 submission?', 'Archive 2 submissions?'],
    ['de', '1 Nachricht archivieren?', '2 Nachrichten archivieren?'],
  ])('should count one and two submissions in the bulk confirmation in %s', async (lang, one, two) => {
    await start();
    await t.createForm({ id: 'contact' });
    const ids = [await submit({ message: 'one' }), await submit({ message: 'two' })];
    const { cookie, token } = await ownerIn(lang);
    const ask = async (id: string[]) =>
      (await post('/admin/forms/contact/bulk', { _csrf: token, action: 'archived', id }, { cookie })).text();
    expect(await ask([ids[0]!])).toContain(one);
    expect(await ask(ids)).toContain(two);
  });

  it('should ask in German for a ticked submission when the bulk form is sent with none', async () => {
    await start();
    await t.createForm({ id: 'contact' });
    const { cookie, token } = await ownerIn('de');
    const refused = await post('/admin/forms/contact/bulk', { _csrf: token, action: 'archived' }, { cookie });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(html).toContain('Bitte mindestens eine Nachricht ankreuzen');
    expect(html).not.toContain('Tick at least one submission');
  });
});
