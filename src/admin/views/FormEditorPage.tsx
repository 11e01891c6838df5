import type { Form } from '../../db/schema.ts';
import type { FieldErrors } from '../../errors.ts';
import type { EditorValues } from '../form-editor.ts';
import { boxHelpers } from './boxes.tsx';
import { Layout } from './Layout.tsx';
import { SpamFieldset } from './SpamFieldset.tsx';
import { CsrfField, Theirs, type AdminUi } from './ui.tsx';

const FIELDS_EXAMPLE = '[{"name": "email", "type": "email", "required": true}, {"name": "message", "type": "textarea"}]';

type Props = { ui: AdminUi; values: EditorValues; errors: FieldErrors; form?: Form };

/** One page for a new form (`form` undefined) and for editing one. */
export function FormEditorPage({ ui, values, errors, form }: Props) {
  const { t } = ui;
  const boxes = boxHelpers(errors);
  const { Problem, described } = boxes;
  const Input = ({ box, label, required }: { box: keyof EditorValues; label: string; required?: boolean }) => (
    <>
      <label for={box}>{label}</label>
      <input id={box} name={box} value={values[box]} required={required} {...described(box)} />
      <Problem box={box} />
    </>
  );
  const Area = ({ box, label, required, rows = 3 }: { box: keyof EditorValues; label: string; required?: boolean; rows?: number }) => (
    <>
      <label for={box}>{label}</label>
      <textarea id={box} name={box} rows={rows} required={required} {...described(box)}>
        {values[box]}
      </textarea>
      <Problem box={box} />
    </>
  );
  return (
    <Layout ui={ui} title={form ? t('editor.titleEdit', { id: form.id }) : t('editor.titleNew')} current="/admin">
      <h1>
        {form ? (
          <>
            {t('editor.edit')} <Theirs value={form.name} /> <span class="muted">({form.id})</span>
          </>
        ) : (
          t('editor.titleNew')
        )}
      </h1>
      {Object.keys(errors).length > 0 && (
        <p class="error" role="alert">
          {t('editor.correct')}
        </p>
      )}
      <form method="post" action={form ? `/admin/forms/${form.id}/edit` : '/admin/new-form'}>
        <CsrfField token={ui.token} />
        {!form && <Input box="id" label={t('editor.id')} />}
        <Input box="name" label={t('editor.name')} required />
        <Area box="recipients" label={t('editor.recipients')} required />
        <Area box="allowedOrigins" label={t('editor.allowedOrigins')} />
        <Input box="redirectUrl" label={t('editor.redirectUrl')} />
        <Input box="subject" label={t('editor.subject')} />
        <label for="extraFields">{t('editor.extraFields')}</label>
        <select id="extraFields" name="extraFields" {...described('extraFields')}>
          <option value="keep" selected={values.extraFields === 'keep'}>
            {t('editor.extraKeep')}
          </option>
          <option value="reject" selected={values.extraFields === 'reject'}>
            {t('editor.extraReject')}
          </option>
        </select>
        <Problem box="extraFields" />
        <label for="fields">{t('editor.fields')}</label>
        <textarea id="fields" name="fields" rows={6} placeholder={FIELDS_EXAMPLE} {...described('fields')}>
          {values.fields}
        </textarea>
        <Problem box="fields" />
        <fieldset>
          <legend>{t('editor.autoReply')}</legend>
          <p class="muted">{t('editor.autoReplyHelp')}</p>
          <Input box="autoReplySubject" label={t('editor.autoReplySubject')} />
          <Area box="autoReplyText" label={t('editor.autoReplyText')} rows={5} />
        </fieldset>
        <SpamFieldset ui={ui} values={values} boxes={boxes} hasSecret={Boolean(form?.spam.captcha)} />
        <button type="submit">{form ? t('editor.save') : t('editor.create')}</button>
      </form>
    </Layout>
  );
}
