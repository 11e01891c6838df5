import { submissionStatuses, type Delivery, type Form, type Submission } from '../../db/schema.ts';
import type { SubmissionStatus } from '../../db/submissions.ts';
import { embedSnippet } from '../../demo.ts';
import { displayValue, visibleControls } from '../../mail/render.ts';
import { BulkBox, BulkControls, MarkAllRead } from './Bulk.tsx';
import { Layout } from './Layout.tsx';
import { Pager } from './Pager.tsx';
import { Theirs, type AdminUi } from './ui.tsx';
import { deliveryStatusWord, spamReasonWords, submissionStatusWord } from './words.ts';

const PREVIEW_LENGTH = 120;

/** The start of each value in turn, cut by code point so a character is never split. */
function Preview({ data }: { data: Submission['data'] }) {
  let left = PREVIEW_LENGTH;
  const parts = [];
  for (const value of Object.values(data)) {
    if (left <= 0) break;
    const characters = Array.from(displayValue(value)).slice(0, left);
    left -= characters.length + 3;
    parts.push(
      <>
        {parts.length > 0 ? ' · ' : ''}
        <Theirs value={characters.join('')} />
      </>,
    );
  }
  return <>{parts}</>;
}

type Row = Submission & { deliveries: Delivery[] };
type Query = { q?: string; status?: SubmissionStatus; cursor?: string };

export type FormPageProps = {
  ui: AdminUi;
  publicUrl: string;
  form: Form;
  rows: Row[];
  query: Query;
  next: string | null;
  counts: Record<SubmissionStatus, number>;
  /** New submissions in this form's inbox. */
  unread: number;
};

/** One form: its folders, a search, its submissions newest first, and the snippet to embed it. */
export function FormPage({ ui, publicUrl, form, rows, query, next, counts, unread }: FormPageProps) {
  const { t } = ui;
  const base = `/admin/forms/${form.id}`;
  const params = (extra: Record<string, string>) =>
    new URLSearchParams({ ...extra, ...(query.q && { q: query.q }), ...(query.status && { status: query.status }) }).toString();
  const total = counts.inbox + counts.spam + counts.archived;
  const folders: [SubmissionStatus | undefined, string, number][] = [
    [undefined, t('form.all'), total],
    ...submissionStatuses.map((s): [SubmissionStatus, string, number] => [s, submissionStatusWord(t, s), counts[s]]),
  ];
  return (
    <Layout ui={ui} title={visibleControls(form.name)} current="/admin">
      <h1>
        <Theirs value={form.name} />
      </h1>
      <p>
        {t('form.recipients')} {form.recipients.join(', ')} · <a href={`${base}/edit`}>{t('form.edit')}</a> ·{' '}
        <a href={`${base}/webhooks`}>{t('form.webhooks')}</a> · {t('form.export')} <a href={`${base}/export?format=csv`}>CSV</a> ·{' '}
        <a href={`${base}/export?format=csv&excel=1`}>{t('form.csvExcel')}</a> · <a href={`${base}/export?format=json`}>JSON</a>
      </p>
      <p>
        {folders.map(([status, label, n], i) => (
          <>
            {i > 0 ? ' · ' : ''}
            {query.status === status ? (
              <strong>{`${label} (${n})`}</strong>
            ) : (
              <a href={`${base}${status ? `?status=${status}` : ''}`}>{`${label} (${n})`}</a>
            )}
          </>
        ))}
      </p>
      <form method="get" class="row" role="search">
        <div class="field">
          <label for="q">{t('form.search')}</label>
          <input id="q" name="q" value={query.q ?? ''} />
        </div>
        <div class="field">
          <label for="status">{t('form.status')}</label>
          <select id="status" name="status">
            <option value="">{t('form.any')}</option>
            {submissionStatuses.map((s) => (
              <option value={s} selected={query.status === s}>
                {submissionStatusWord(t, s)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">{t('form.search')}</button>
      </form>
      {rows.length > 0 && (
        <div class="row">
          <BulkControls ui={ui} formId={form.id} />
          {unread > 0 && <MarkAllRead ui={ui} formId={form.id} />}
        </div>
      )}
      <SubmissionTable ui={ui} rows={rows} />
      {rows.length > 0 ? null : total === 0 ? (
        <p class="muted">{t('form.none')}</p>
      ) : query.q ? (
        <p class="muted">
          {t('form.noMatch')} <a href={base}>{t('form.showAll')}</a>
        </p>
      ) : (
        <p class="muted">
          {t('form.emptyFolder')} <a href={base}>{t('form.seeAll', { n: total })}</a>
        </p>
      )}
      <Pager
        ui={ui}
        newest={query.cursor ? `${base}?${params({})}` : null}
        older={next && `${base}?${params({ cursor: next })}`}
        what="submissions"
      />
      <h2>{t('form.embed')}</h2>
      <pre>
        <code>{embedSnippet(publicUrl, form.id)}</code>
      </pre>
    </Layout>
  );
}

/** New as the nav and the dashboard count it: unread and in the inbox (spam does not call for attention). */
const isNew = (s: Submission) => s.readAt === null && s.status === 'inbox';

function SubmissionTable({ ui, rows }: { ui: AdminUi; rows: Row[] }) {
  const { t } = ui;
  return (
    <table class="list">
      <thead>
        <tr>
          <th scope="col">
            <span class="visually-hidden">{t('bulk.label')}</span>
          </th>
          <th scope="col">{t('form.received')}</th>
          <th scope="col">{t('form.status')}</th>
          <th scope="col">{t('form.message')}</th>
          <th scope="col">{t('form.mail')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((s) => (
          <tr class={isNew(s) ? 'unread' : undefined}>
            <td>
              <BulkBox id={s.id} label={t('bulk.select', { time: ui.when(s.createdAt) })} />
            </td>
            <td data-label={t('form.received')} class="when">
              <a href={`/admin/submissions/${s.id}`}>{ui.when(s.createdAt)}</a>
              {isNew(s) && (
                <>
                  {' '}
                  <strong class="badge">{t('unread.new')}</strong>
                </>
              )}
            </td>
            <td data-label={t('form.status')}>
              {submissionStatusWord(t, s.status)}
              {s.meta.spamReasons?.length ? (
                <>
                  <br />
                  <span class="muted">{spamReasonWords(t, s.meta.spamReasons)}</span>
                </>
              ) : null}
            </td>
            <td data-label={t('form.message')}>
              <Preview data={s.data} />
            </td>
            <td data-label={t('form.mail')}>
              {s.deliveries.length === 0 ? (
                <span class="muted">{t('form.notMailed')}</span>
              ) : (
                s.deliveries.map((d) => (
                  <>
                    <span class="badge">{deliveryStatusWord(t, d.status)}</span>{' '}
                  </>
                ))
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
