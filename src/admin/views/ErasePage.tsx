import { Layout } from './Layout.tsx';
import { CsrfField, type AdminUi } from './ui.tsx';

/** Step 1: the address. */
export function EraseAskPage({ ui }: { ui: AdminUi }) {
  const { t } = ui;
  return (
    <Layout ui={ui} title={t('erase.title')} current="/admin/erase" narrow>
      <h1>{t('erase.heading')}</h1>
      <form method="get" action="/admin/erase">
        <label for="email">{t('erase.email')}</label>
        <input id="email" name="email" type="email" required />
        <button type="submit">{t('erase.count')}</button>
      </form>
    </Layout>
  );
}

/** Step 2: how many submissions hold it, and the confirmation. */
export function EraseConfirmPage({ ui, email, count }: { ui: AdminUi; email: string; count: number }) {
  const { t } = ui;
  return (
    <Layout ui={ui} title={t('erase.title')} current="/admin/erase" narrow>
      <h1>{t('erase.headingOf', { email })}</h1>
      <p>{t('erase.holding', { n: count })}</p>
      {count > 0 && (
        <form method="post" action="/admin/erase">
          <CsrfField token={ui.token} />
          <input type="hidden" name="email" value={email} />
          <label class="check">
            <input type="checkbox" name="confirm" value="yes" required /> {t('erase.confirm', { n: count })}
          </label>
          <button type="submit">{t('erase.submit')}</button>
        </form>
      )}
    </Layout>
  );
}

export function ErasedPage({ ui, email, deleted }: { ui: AdminUi; email: string; deleted: number }) {
  const { t } = ui;
  return (
    <Layout ui={ui} title={t('erase.done')} current="/admin/erase" narrow>
      <h1>{t('erase.done')}</h1>
      <p>{t('erase.deleted', { n: deleted, email })}</p>
    </Layout>
  );
}
