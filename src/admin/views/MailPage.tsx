import type { Config } from '../../config.ts';
import type { RelayHealth } from '../../db/relay-health.ts';
import type { DomainReport } from '../../mail/domain-check.ts';
import { say } from '../../i18n/index.ts';
import { hintText } from '../../mail/hints.ts';
import type { MailTestAnswer } from '../mail-test.ts';
import { Layout } from './Layout.tsx';
import type { Unsent } from './OutboxLine.tsx';
import { CsrfField, Theirs, type AdminUi } from './ui.tsx';

/** A relay URL as the page shows it: the password never leaves the server. */
export function maskedUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '****';
  return parsed.toString();
}

export type MailPageProps = {
  ui: AdminUi;
  config: Config;
  relays: { primary: RelayHealth; backup: RelayHealth };
  unsent: Unsent;
  test?: MailTestAnswer;
  to?: string;
  check?: DomainReport | string;
};

/** /admin/mail: settings, relay health, the test email and the domain check. */
export function MailPage({ ui, config, relays, unsent, test, to, check }: MailPageProps) {
  const { t } = ui;
  const url = (value: string | undefined) => maskedUrl(value) ?? t('mailPage.notSet');
  return (
    <Layout ui={ui} title={t('mailPage.title')} current="/admin/mail">
      <h1>{t('mailPage.title')}</h1>
      <h2>{t('mailPage.settings')}</h2>
      <table>
        <tr>
          <th>SMTP_URL</th>
          <td>
            <code>{url(config.smtpUrl)}</code>
          </td>
        </tr>
        <tr>
          <th>SMTP_BACKUP_URL</th>
          <td>
            <code>{url(config.smtpBackupUrl)}</code>
          </td>
        </tr>
        <tr>
          <th>MAIL_FROM</th>
          <td>{config.mailFrom}</td>
        </tr>
        <tr>
          <th>DKIM</th>
          <td>
            {config.dkim ? (
              <>
                {t('mailPage.dkimSigning')} <code>{`${config.dkim.keySelector}._domainkey.${config.dkim.domainName}`}</code>
              </>
            ) : (
              t('mailPage.dkimOff')
            )}
          </td>
        </tr>
        <tr>
          <th>DNS_SERVERS</th>
          <td>{config.dnsServers.length > 0 ? config.dnsServers.join(', ') : t('mailPage.systemResolver')}</td>
        </tr>
      </table>
      <h2>{t('mailPage.relays')}</h2>
      <table>
        <tr>
          <th>{t('mailPage.relay')}</th>
          <th>{t('mailPage.lastSuccess')}</th>
          <th>{t('mailPage.lastError')}</th>
        </tr>
        <HealthRow ui={ui} name={t('mailPage.primary')} configured={!!config.smtpUrl} health={relays.primary} />
        <HealthRow ui={ui} name={t('mailPage.backup')} configured={!!config.smtpBackupUrl} health={relays.backup} />
      </table>
      <p>
        {t('outbox.label')} {t('outbox.pending', { n: unsent.pending })}, {t('outbox.sending', { n: unsent.sending })},{' '}
        {t('outbox.held', { n: unsent.held })}, <a href="/admin/deliveries?status=failed">{t('outbox.failed', { n: unsent.failed })}</a>.
      </p>
      <h2>{t('mailPage.testHeading')}</h2>
      <form method="post" action="/admin/mail/test" class="row">
        <CsrfField token={ui.token} />
        <div class="field">
          <label for="to">{t('mailPage.to')}</label>
          <input id="to" name="to" type="email" required value={to ?? ''} />
        </div>
        <button type="submit">{t('mailPage.testHeading')}</button>
      </form>
      {test && <TestResult ui={ui} result={test} />}
      <h2>{t('mailPage.checkHeading')}</h2>
      {check === undefined ? (
        <p>
          <a href="/admin/mail?check=1">{t('mailPage.checkNow')}</a> {t('mailPage.checkSlow')}
        </p>
      ) : typeof check === 'string' ? (
        <p class="error">{check}</p>
      ) : (
        <CheckTable ui={ui} report={check} />
      )}
    </Layout>
  );
}

function HealthRow({ ui, name, configured, health }: { ui: AdminUi; name: string; configured: boolean; health: RelayHealth }) {
  return (
    <tr>
      <th>{name}</th>
      {!configured ? (
        <td colspan={2} class="muted">
          {ui.t('mailPage.notConfigured')}
        </td>
      ) : (
        <>
          <td>{health.lastSuccess ? ui.when(health.lastSuccess.at) : '—'}</td>
          <td>
            {health.lastError ? (
              <>
                {ui.when(health.lastError.at)}:{' '}
                <span class="error">
                  <Theirs value={health.lastError.reply} />
                </span>
              </>
            ) : (
              '—'
            )}
          </td>
        </>
      )}
    </tr>
  );
}

function TestResult({ ui, result }: { ui: AdminUi; result: MailTestAnswer }) {
  const { t } = ui;
  return (
    <section aria-live="polite" class="card">
      <h3>
        {result.ok ? t('mailPage.sent') : t('mailPage.notSent')}
        {result.relay && ` ${t(result.relay === 'backup' ? 'mailPage.viaBackup' : 'mailPage.viaPrimary')}`}
      </h3>
      <p class={result.ok ? undefined : 'error'}>
        {/* The relay's reply as it was said; our own words in the owner's language. */}
        {!result.ok && result.errorSaid ? say(t, result.errorSaid) : <Theirs value={result.ok ? result.response : result.error} />}
      </p>
      {result.hint && (
        <p>
          <strong>{t('mailPage.whatToDo')}</strong> {result.hintSaid ? hintText(t, result.hintSaid) : result.hint}
        </p>
      )}
      {result.transcript && (
        <details open>
          <summary>{t('mailPage.transcript')}</summary>
          <pre>
            <code>{result.transcript}</code>
          </pre>
        </details>
      )}
    </section>
  );
}

function CheckTable({ ui, report }: { ui: AdminUi; report: DomainReport }) {
  const { t } = ui;
  return (
    <>
      <p>
        {t('mailPage.domainOf')} <strong>{report.domain}</strong>
      </p>
      <table class="list">
        <thead>
          <tr>
            <th scope="col">{t('mailPage.check')}</th>
            <th scope="col">{t('form.status')}</th>
            <th scope="col">{t('mailPage.found')}</th>
            <th scope="col">{t('mailPage.fix')}</th>
          </tr>
        </thead>
        <tbody>
          {report.checks.map((c) => (
            <tr>
              <td data-label={t('mailPage.check')}>{c.name.toUpperCase()}</td>
              <td data-label={t('form.status')}>
                <span class={c.status === 'ok' ? 'badge' : 'badge error'}>{t(`check.${c.status}`)}</span>
              </td>
              <td data-label={t('mailPage.found')}>
                <Theirs value={say(t, c.said.detail)} />
              </td>
              <td data-label={t('mailPage.fix')}>{c.said.fix && say(t, c.said.fix)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
