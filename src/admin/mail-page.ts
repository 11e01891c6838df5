import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppEnv } from '../app-env.ts';
import type { Config } from '../config.ts';
import { unsentCounts } from '../db/deliveries.ts';
import { relayHealth, type RelayHealth } from '../db/relay-health.ts';

import type { Deps } from '../deps.ts';
import type { DomainReport } from '../mail/domain-check.ts';
import { layout } from '../pages.ts';
import { mailDomainReport, sendTestEmail, type MailTestAnswer } from './mail-test.ts';
import { mailTestInput, parseOr422 } from './queries.ts';
import { csrfField, nav, theirs, when } from './views.ts';

type MailPageEnv = AppEnv & { Variables: { csrfToken: string } };

/** A relay URL as the page shows it: the password never leaves the server. */
export function maskedUrl(url: string | undefined): string {
  if (!url) return 'not set';
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '****';
  return parsed.toString();
}

const settingsTable = (config: Config) => html`<table>
<tr><th>SMTP_URL</th><td><code>${maskedUrl(config.smtpUrl)}</code></td></tr>
<tr><th>SMTP_BACKUP_URL</th><td><code>${maskedUrl(config.smtpBackupUrl)}</code></td></tr>
<tr><th>MAIL_FROM</th><td>${config.mailFrom}</td></tr>
<tr><th>DKIM</th><td>${config.dkim ? html`signing as <code>${config.dkim.keySelector}._domainkey.${config.dkim.domainName}</code>` : 'off (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY not set)'}</td></tr>
<tr><th>DNS_SERVERS</th><td>${config.dnsServers.length > 0 ? config.dnsServers.join(', ') : 'the system resolver'}</td></tr>
</table>`;

const healthRow = (name: string, configured: boolean, health: RelayHealth) =>
  html`<tr><th>${name}</th>${
    !configured
      ? html`<td colspan="2" class="muted">not configured</td>`
      : html`<td>${health.lastSuccess ? when(health.lastSuccess.at) : '—'}</td><td>${health.lastError ? html`${when(health.lastError.at)}: <span class="error">${theirs(health.lastError.reply)}</span>` : '—'}</td>`
  }</tr>`;

const testResult = (
  result: MailTestAnswer,
) => html`<section aria-live="polite"><h3>${result.ok ? 'Sent' : 'Not sent'}${result.relay ? ` (via the ${result.relay} relay)` : ''}</h3>
<p${result.ok ? '' : html` class="error"`}>${theirs(result.ok ? result.response : result.error)}</p>
${result.hint ? html`<p><strong>What to do:</strong> ${result.hint}</p>` : ''}
${result.transcript ? html`<details open><summary>SMTP conversation (credentials redacted)</summary><pre><code>${result.transcript}</code></pre></details>` : ''}</section>`;

const checkTable = (report: DomainReport) => html`<p>Domain of MAIL_FROM: <strong>${report.domain}</strong></p>
<table><tr><th>Check</th><th>Status</th><th>Found</th><th>Fix</th></tr>
${report.checks.map((c) => html`<tr><td>${c.name.toUpperCase()}</td><td><span class="badge${c.status === 'ok' ? '' : ' error'}">${c.status}</span></td><td>${theirs(c.detail)}</td><td>${c.fix}</td></tr>`)}</table>`;

async function mailPage(deps: Deps, token: string, extra: { test?: MailTestAnswer; to?: string; check?: DomainReport | string }) {
  const { config, db } = deps;
  const [primary, backup, unsent] = await Promise.all([relayHealth(db, 'primary'), relayHealth(db, 'backup'), unsentCounts(db)]);
  const check = extra.check;
  return layout(
    'Mail — Formharbor',
    html`${nav(token)}<h1>Mail</h1>
<h2>Settings</h2>${settingsTable(config)}
<h2>Relays</h2><table><tr><th>Relay</th><th>Last success</th><th>Last error</th></tr>
${healthRow('Primary (SMTP_URL)', !!config.smtpUrl, primary)}${healthRow('Backup (SMTP_BACKUP_URL)', !!config.smtpBackupUrl, backup)}</table>
<p>Outbox: ${unsent.pending} pending, ${unsent.sending} being sent, ${unsent.held} held, <a href="/admin/deliveries?status=failed">${unsent.failed} failed</a>.</p>
<h2>Send a test email</h2>
<form method="post" action="/admin/mail/test">${csrfField(token)}<label for="to">To</label><input id="to" name="to" type="email" required value="${extra.to ?? ''}"><button type="submit">Send a test email</button></form>
${extra.test ? testResult(extra.test) : ''}
<h2>Domain check</h2>
${check === undefined ? html`<p><a href="/admin/mail?check=1">Check SPF, DKIM, DMARC and MX now</a> (DNS lookups take a few seconds).</p>` : typeof check === 'string' ? html`<p class="error">${check}</p>` : checkTable(check)}`,
  );
}

/** /admin/mail: settings, relay health, the test email and the domain check. Mounted behind the admin's session and CSRF checks. */
export function mailPageRoutes() {
  const mail = new Hono<MailPageEnv>();
  mail.get('/', async (c) => {
    const check = c.req.query('check') ? await mailDomainReport(c.var.deps).catch((error: Error) => error.message) : undefined;
    return c.html(mailPage(c.var.deps, c.var.csrfToken, { check }));
  });
  mail.post('/test', async (c) => {
    const { to } = parseOr422(mailTestInput, { to: (await c.req.parseBody()).to });
    return c.html(mailPage(c.var.deps, c.var.csrfToken, { to, test: await sendTestEmail(c.var.deps, to) }));
  });
  return mail;
}
