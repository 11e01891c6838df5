import type { Form, WebhookSpec } from '../../db/schema.ts';
import { Layout } from './Layout.tsx';
import { CsrfField, Theirs, type AdminUi } from './ui.tsx';

export type WebhookDraft = { url: string; format: string };

type Props = { ui: AdminUi; form: Form; draft: WebhookDraft; problem?: string; created?: WebhookSpec };

const FORMATS = ['standard', 'slack', 'discord'] as const;

/** A form's webhooks: the list (never a secret), one to add, each to remove. */
export function WebhooksPage({ ui, form, draft, problem, created }: Props) {
  const { t } = ui;
  const base = `/admin/forms/${encodeURIComponent(form.id)}`;
  const formatWord = (format: string) => (format === 'standard' ? t('webhooks.standard') : format === 'slack' ? 'Slack' : 'Discord');
  return (
    <Layout ui={ui} title={t('webhooks.title', { name: form.name })} current="/admin">
      <h1>{t('webhooks.title', { name: form.name })}</h1>
      <p>
        <a href={base}>{t('webhooks.back')}</a> · <a href={`${base}/edit`}>{t('form.edit')}</a>
      </p>
      <p>{t('webhooks.intro')}</p>
      {created && (
        <div class="card" role="status">
          <p>{t('webhooks.added')}</p>
          {created.format === 'standard' && (
            <>
              <p>{t('webhooks.secretOnce')}</p>
              <pre>
                <code>{created.secret}</code>
              </pre>
            </>
          )}
        </div>
      )}
      {form.webhooks.length === 0 ? (
        <p class="muted">{t('webhooks.none')}</p>
      ) : (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">{t('webhooks.format')}</th>
              <th scope="col">{t('webhooks.url')}</th>
              <th scope="col">{t('webhooks.id')}</th>
              <th scope="col">
                <span class="visually-hidden">{t('webhooks.remove')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {form.webhooks.map((webhook) => (
              <tr>
                <td data-label={t('webhooks.format')}>{formatWord(webhook.format)}</td>
                <td data-label={t('webhooks.url')}>
                  <Theirs value={webhook.url} />
                </td>
                <td data-label={t('webhooks.id')}>
                  <Theirs value={webhook.id} />
                </td>
                <td>
                  <form method="post" action={`${base}/webhooks/${encodeURIComponent(webhook.id)}/delete`}>
                    <CsrfField token={ui.token} />
                    <button type="submit" aria-label={t('webhooks.removeOne', { url: webhook.url })}>
                      {t('webhooks.remove')}
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>{t('webhooks.add')}</h2>
      <form method="post" action={`${base}/webhooks`}>
        <CsrfField token={ui.token} />
        <label for="format">{t('webhooks.format')}</label>
        <select id="format" name="format">
          {FORMATS.map((format) => (
            <option value={format} selected={draft.format === format}>
              {formatWord(format)}
            </option>
          ))}
        </select>
        <label for="url">{t('webhooks.url')}</label>
        <input
          id="url"
          name="url"
          type="url"
          required
          value={draft.url}
          aria-describedby={problem ? 'url-problem url-help' : 'url-help'}
          aria-invalid={problem ? 'true' : undefined}
        />
        <p id="url-help" class="muted">
          {t('webhooks.urlHelp')}
        </p>
        {problem && (
          <p id="url-problem" class="error" role="alert">
            {problem}
          </p>
        )}
        <button type="submit">{t('webhooks.add')}</button>
      </form>
    </Layout>
  );
}
