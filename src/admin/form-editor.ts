import { html } from 'hono/html';
import type { Form } from '../db/schema.ts';
import type { FieldErrors } from '../errors.ts';
import { formInput, type FormInputAsSent } from '../forms/definition.ts';
import { listOf, NO_SPAM_BOXES, spamBoxesOf, spamBoxPath, spamEditor, spamInputOf, spamLists, type SpamBox } from './spam-editor.ts';
import { layout } from '../pages.ts';
import { nav, theirs } from './views.ts';

/** The editor's boxes as posted: text only, lists one per line. */
export type EditorValues = Record<
  'id' | 'name' | 'recipients' | 'allowedOrigins' | 'redirectUrl' | 'subject' | 'extraFields' | 'fields' | SpamBox,
  string
>;

export const NEW_FORM: EditorValues = {
  id: '',
  name: '',
  recipients: '',
  allowedOrigins: '',
  redirectUrl: '',
  subject: '',
  extraFields: 'keep',
  fields: '',
  ...NO_SPAM_BOXES,
};

export const editorValuesOf = (form: Form): EditorValues => ({
  id: form.id,
  name: form.name,
  recipients: form.recipients.join('\n'),
  allowedOrigins: form.allowedOrigins.join('\n'),
  redirectUrl: form.redirectUrl ?? '',
  subject: form.subject ?? '',
  extraFields: form.extraFields,
  fields: form.fields.length > 0 ? JSON.stringify(form.fields, null, 2) : '',
  ...spamBoxesOf(form),
});

const text = (posted: Record<string, unknown>, name: string) => (typeof posted[name] === 'string' ? (posted[name] as string) : '');

/**
 * The posted editor as the API's form input, or the messages per box. The same zod schema
 * checks both, so a form made here is one the API would have accepted.
 */
export function parseEditor(posted: Record<string, unknown>): { values: EditorValues; input?: FormInputAsSent; errors: FieldErrors } {
  const values = Object.fromEntries(Object.keys(NEW_FORM).map((name) => [name, text(posted, name)])) as EditorValues;
  const errors: FieldErrors = {};
  let fields: unknown = [];
  if (values.fields.trim()) {
    try {
      fields = JSON.parse(values.fields);
    } catch {
      errors.fields = ['Write the fields as a JSON list, like the example'];
    }
  }
  const result = formInput.safeParse({
    ...(values.id.trim() && { id: values.id.trim() }),
    name: values.name,
    recipients: listOf(values.recipients),
    allowedOrigins: listOf(values.allowedOrigins),
    redirectUrl: values.redirectUrl.trim() || null,
    subject: values.subject.trim() || null,
    extraFields: values.extraFields || 'keep',
    fields,
    ...spamInputOf(values),
  });
  if (!result.success) {
    const lists = { recipients: listOf(values.recipients), allowedOrigins: listOf(values.allowedOrigins), ...spamLists(values) } as Record<
      string,
      string[]
    >;
    for (const issue of result.error.issues) {
      const [box = 'name', index, ...rest] = spamBoxPath(issue.path.map(String));
      // Where in the box: the entry itself for a list of addresses or sites, the field's place in the field list.
      const where =
        index === undefined
          ? ''
          : lists[box]
            ? `"${lists[box][Number(index)]}": `
            : `field ${Number(index) + 1}${rest.length > 0 ? ` (${rest.join('.')})` : ''}: `;
      (errors[box] ??= []).push(`${where}${issue.message}`);
    }
  }
  return result.success && Object.keys(errors).length === 0 ? { values, input: result.data, errors } : { values, errors };
}

const FIELDS_EXAMPLE = '[{"name": "email", "type": "email", "required": true}, {"name": "message", "type": "textarea"}]';

/** One page for a new form (`form` undefined) and for editing one. */
export function formEditorPage(token: string, values: EditorValues, errors: FieldErrors, form?: Form) {
  const problem = (box: keyof EditorValues) => (errors[box] ? html`<p class="error" id="${box}-error">${errors[box]!.join(' ')}</p>` : '');
  const described = (box: keyof EditorValues) => (errors[box] ? html` aria-invalid="true" aria-describedby="${box}-error"` : '');
  const action = form ? `/admin/forms/${form.id}/edit` : '/admin/new-form';
  return layout(
    form ? `Edit ${form.id} — Formharbor` : 'New form — Formharbor',
    html`${nav(token)}<h1>${form ? html`Edit ${theirs(form.name)} <span class="muted">(${form.id})</span>` : 'New form'}</h1>
${Object.keys(errors).length > 0 ? html`<p class="error" role="alert">Please correct the marked boxes.</p>` : ''}
<form method="post" action="${action}"><input type="hidden" name="_csrf" value="${token}">
${form ? '' : html`<label for="id">Id (optional: letters, digits, _ and -; it appears in the form's address)</label><input id="id" name="id" value="${values.id}"${described('id')}>${problem('id')}`}
<label for="name">Name</label><input id="name" name="name" value="${values.name}" required${described('name')}>${problem('name')}
<label for="recipients">Recipients (one address per line)</label><textarea id="recipients" name="recipients" rows="3" required${described('recipients')}>${values.recipients}</textarea>${problem('recipients')}
<label for="allowedOrigins">Sites allowed to post (one origin per line, like https://example.com; empty: any site)</label><textarea id="allowedOrigins" name="allowedOrigins" rows="3"${described('allowedOrigins')}>${values.allowedOrigins}</textarea>${problem('allowedOrigins')}
<label for="redirectUrl">Thank-you page (optional URL)</label><input id="redirectUrl" name="redirectUrl" value="${values.redirectUrl}"${described('redirectUrl')}>${problem('redirectUrl')}
<label for="subject">Mail subject (optional; {{field}} inserts a field)</label><input id="subject" name="subject" value="${values.subject}"${described('subject')}>${problem('subject')}
<label for="extraFields">Fields not listed below</label><select id="extraFields" name="extraFields"${described('extraFields')}>
${(['keep', 'reject'] as const).map((choice) => html`<option value="${choice}" ${values.extraFields === choice ? 'selected' : ''}>${choice === 'keep' ? 'keep them' : 'refuse the submission'}</option>`)}</select>${problem('extraFields')}
<label for="fields">Fields to check (optional JSON list; types: text, email, url, tel, number, textarea, checkbox, select with options, date)</label>
<textarea id="fields" name="fields" rows="6" placeholder="${FIELDS_EXAMPLE}"${described('fields')}>${values.fields}</textarea>${problem('fields')}
${spamEditor(values, problem, described, Boolean(form?.spam.captcha))}
<button type="submit">${form ? 'Save' : 'Create form'}</button></form>`,
  );
}
