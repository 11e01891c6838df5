import type { BulkAction } from '../bulk.ts';
import { Layout } from './Layout.tsx';
import { CsrfField, type AdminUi } from './ui.tsx';

/** The bulk form's id: the list's checkboxes sit in the table and join it with `form=`. */
export const BULK_FORM = 'bulk';

/** A row's checkbox; its label names the row for screen readers. */
export const BulkBox = ({ id, label }: { id: string; label: string }) => (
  <input type="checkbox" name="id" value={id} form={BULK_FORM} aria-label={label} />
);

/** Above a submission list: what to do with the ticked rows. One POST, no script; the next page asks to confirm. */
export function BulkControls({ ui, formId }: { ui: AdminUi; formId: string }) {
  const { t } = ui;
  return (
    <form id={BULK_FORM} method="post" action={`/admin/forms/${formId}/bulk`} class="row">
      <CsrfField token={ui.token} />
      <label for="bulk-action">{t('bulk.label')}</label>
      <select id="bulk-action" name="action">
        <option value="spam">{t('bulk.spam')}</option>
        <option value="inbox">{t('bulk.inbox')}</option>
        <option value="archived">{t('bulk.archived')}</option>
        <option value="delete">{t('bulk.delete')}</option>
      </select>
      <button type="submit">{t('bulk.apply')}</button>
    </form>
  );
}

/** "Mark all as read" for one form. */
export function MarkAllRead({ ui, formId }: { ui: AdminUi; formId: string }) {
  return (
    <form method="post" action={`/admin/forms/${formId}/read`} class="inline">
      <CsrfField token={ui.token} />
      <button type="submit">{ui.t('unread.markAll')}</button>
    </form>
  );
}

/** The second step: the count, and the same ids posted again with `confirm=yes`. */
export function BulkConfirmPage({ ui, formId, action, ids }: { ui: AdminUi; formId: string; action: BulkAction; ids: string[] }) {
  const { t } = ui;
  return (
    <Layout ui={ui} title={t('bulk.title')} current="/admin" narrow>
      <h1>{t(`bulk.confirm.${action}`, { n: ids.length })}</h1>
      <form method="post" action={`/admin/forms/${formId}/bulk`}>
        <CsrfField token={ui.token} />
        <input type="hidden" name="action" value={action} />
        <input type="hidden" name="confirm" value="yes" />
        {ids.map((id) => (
          <input type="hidden" name="id" value={id} />
        ))}
        <button type="submit">{t('bulk.confirmButton', { n: ids.length })}</button>
      </form>
      <p>
        <a href={`/admin/forms/${formId}`}>{t('bulk.cancel')}</a>
      </p>
    </Layout>
  );
}
