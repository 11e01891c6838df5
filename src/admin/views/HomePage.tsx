import type { Form } from '../../db/schema.ts';
import { Layout } from './Layout.tsx';
import { OutboxLine, type Unsent } from './OutboxLine.tsx';
import { Theirs, type AdminUi } from './ui.tsx';

/** `/admin`: the forms, and what waits in the outbox. */
export function HomePage({ ui, forms, unsent }: { ui: AdminUi; forms: Form[]; unsent: Unsent }) {
  const { t } = ui;
  return (
    <Layout ui={ui} title={t('home.title')} current="/admin">
      <h1>{t('home.title')}</h1>
      <p>
        <a href="/admin/new-form">{t('home.newForm')}</a>
      </p>
      <OutboxLine ui={ui} unsent={unsent} />
      <table class="list">
        <thead>
          <tr>
            <th scope="col">{t('home.form')}</th>
            <th scope="col">{t('home.id')}</th>
            <th scope="col">{t('home.recipients')}</th>
          </tr>
        </thead>
        <tbody>
          {forms.map((f) => (
            <tr>
              <td data-label={t('home.form')}>
                <a href={`/admin/forms/${f.id}`}>
                  <Theirs value={f.name} />
                </a>
              </td>
              <td data-label={t('home.id')}>{f.id}</td>
              <td data-label={t('home.recipients')}>{f.recipients.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Layout>
  );
}
