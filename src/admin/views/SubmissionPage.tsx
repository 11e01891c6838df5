import type { Delivery, DeliveryAttempt, Form, Submission } from '../../db/schema.ts';
import { replyHref } from '../reply.ts';
import { Layout } from './Layout.tsx';
import { CsrfField, Theirs, type AdminUi } from './ui.tsx';
import { channelWord, deliveryStatusWord, spamReasonWords, submissionStatusWord } from './words.ts';

type Props = { ui: AdminUi; form: Form; submission: Submission & { deliveries: Delivery[] }; history: DeliveryAttempt[][] };

/** One submission: every field, the folder it is in, and each of its deliveries with its history. */
export function SubmissionPage({ ui, form, submission, history }: Props) {
  const { t } = ui;
  const { meta } = submission;
  const reply = replyHref(form, submission);
  return (
    <Layout ui={ui} title={t('submission.title', { id: submission.id })} current="/admin">
      <h1>
        {t('submission.to')}{' '}
        <a href={`/admin/forms/${form.id}`}>
          <Theirs value={form.name} />
        </a>
      </h1>
      <p>
        {t('submission.received', { time: ui.when(submission.createdAt) })} · {t('submission.status')}{' '}
        <strong>{submissionStatusWord(t, submission.status)}</strong>
        {meta.replyTo && ` · ${t('submission.replyTo', { address: meta.replyTo })}`}
        {meta.spamReasons?.length ? (
          <>
            {' · '}
            <span class="error">{t('submission.spamBecause', { reasons: spamReasonWords(t, meta.spamReasons) })}</span>
          </>
        ) : null}
      </p>
      {reply && (
        <p>
          <a href={reply}>{t('reply.link')}</a>
        </p>
      )}
      {meta.captchaUnchecked && <p class="error">{t('submission.captchaUnchecked', { reason: meta.captchaUnchecked })}</p>}
      <table>
        {Object.entries(submission.data).map(([name, value]) => (
          <tr>
            <th>
              <Theirs value={name} />
            </th>
            <td>
              <Theirs value={value} />
            </td>
          </tr>
        ))}
      </table>
      <form method="post" action={`/admin/submissions/${submission.id}/status`} class="row">
        <CsrfField token={ui.token} />
        <div class="field">
          <label for="status">{t('submission.moveTo')}</label>
          <select id="status" name="status">
            {(['inbox', 'spam', 'archived'] as const).map((s) => (
              <option value={s} selected={submission.status === s}>
                {submissionStatusWord(t, s)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">{t('submission.save')}</button>
      </form>
      <form method="post" action={`/admin/submissions/${submission.id}/delete`}>
        <CsrfField token={ui.token} />
        <label class="check">
          <input type="checkbox" name="confirm" value="yes" required /> {t('submission.deleteConfirm')}
        </label>
        <button type="submit">{t('submission.delete')}</button>
      </form>
      <h2>{t('submission.deliveries')}</h2>
      {submission.deliveries.length === 0 && <p class="muted">{t('submission.noDeliveries')}</p>}
      {submission.deliveries.map((d, i) => (
        <DeliveryCard ui={ui} delivery={d} attempts={history[i] ?? []} />
      ))}
    </Layout>
  );
}

export function DeliveryCard({ ui, delivery: d, attempts }: { ui: AdminUi; delivery: Delivery; attempts: DeliveryAttempt[] }) {
  const { t } = ui;
  return (
    <section class="card">
      <h3>
        {t('submission.deliveryTo', {
          channel: channelWord(t, d.channel),
          to: d.recipients.join(', ') || d.target || '—',
          status: deliveryStatusWord(t, d.status),
        })}
      </h3>
      <p>
        {t('submission.attempts', { n: d.attempts })} · Message-ID {d.messageId}
        {d.status === 'pending' && ` · ${t('submission.nextTry', { time: ui.when(d.nextAttemptAt) })}`}
        {d.sentAt && ` · ${t('submission.sentAt', { time: ui.when(d.sentAt) })}`}
      </p>
      {d.lastError && (
        <p class="error">
          {t('submission.lastReply')} <Theirs value={d.lastError} />
        </p>
      )}
      {attempts.length > 0 && (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">{t('attempt.at')}</th>
              <th scope="col">{t('attempt.outcome')}</th>
              <th scope="col">{t('attempt.relay')}</th>
              <th scope="col">{t('attempt.reply')}</th>
            </tr>
          </thead>
          <tbody>
            {attempts.map((a) => (
              <tr>
                <td data-label={t('attempt.at')}>{ui.when(a.at)}</td>
                <td data-label={t('attempt.outcome')}>{t(`outcome.${a.outcome}`)}</td>
                <td data-label={t('attempt.relay')}>{a.relay ?? '—'}</td>
                <td data-label={t('attempt.reply')}>
                  <Theirs value={a.reply} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <RetryControl ui={ui} delivery={d} />
    </section>
  );
}

/** What the owner can do about a delivery now: nothing while it is being sent or waits for SMTP. */
function RetryControl({ ui, delivery: d }: { ui: AdminUi; delivery: Delivery }) {
  if (d.status === 'sending') return null;
  if (d.status === 'held') return <p class="muted">{ui.t('submission.held')}</p>;
  return (
    <form method="post" action={`/admin/deliveries/${d.id}/retry`}>
      <CsrfField token={ui.token} />
      <button type="submit">{ui.t(d.status === 'sent' ? 'submission.sendAgain' : 'submission.retry')}</button>
    </form>
  );
}
