import type { Form } from '../db/schema.ts';
import type { FieldErrors } from '../errors.ts';
import type { Translate } from '../i18n/index.ts';
import { issueSaid } from '../i18n/zod-issues.ts';
import { formInput, type FormInputAsSent } from '../forms/definition.ts';
import { listOf, NO_SPAM_BOXES, spamBoxesOf, spamBoxPath, spamInputOf, spamLists, type SpamBox } from './spam-editor.ts';

/** The editor's boxes as posted: text only, lists one per line. */
export type EditorValues = Record<
  | 'id'
  | 'name'
  | 'recipients'
  | 'allowedOrigins'
  | 'redirectUrl'
  | 'subject'
  | 'extraFields'
  | 'language'
  | 'fields'
  | 'autoReplySubject'
  | 'autoReplyText'
  | SpamBox,
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
  language: 'en',
  fields: '',
  autoReplySubject: '',
  autoReplyText: '',
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
  language: form.language,
  fields: form.fields.length > 0 ? JSON.stringify(form.fields, null, 2) : '',
  autoReplySubject: form.autoReply?.subject ?? '',
  autoReplyText: form.autoReply?.text ?? '',
  ...spamBoxesOf(form),
});

/** `autoReply.subject` is the box `autoReplySubject`. */
const autoReplyBoxPath = (path: string[]) =>
  path[0] === 'autoReply' ? [`autoReply${(path[1] ?? 'subject').replace(/^./, (c) => c.toUpperCase())}`] : path;

const text = (posted: Record<string, unknown>, name: string) => (typeof posted[name] === 'string' ? (posted[name] as string) : '');

/**
 * The posted editor as the API's form input, or the messages per box in the owner's language.
 * The same zod schema checks both, so a form made here is one the API would have accepted.
 */
export function parseEditor(
  posted: Record<string, unknown>,
  t: Translate,
): { values: EditorValues; input?: FormInputAsSent; errors: FieldErrors } {
  const values = Object.fromEntries(Object.keys(NEW_FORM).map((name) => [name, text(posted, name)])) as EditorValues;
  const errors: FieldErrors = {};
  let fields: unknown = [];
  if (values.fields.trim()) {
    try {
      fields = JSON.parse(values.fields);
    } catch {
      errors.fields = [t('editor.fieldsJson')];
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
    // Always sent: a save replaces the whole form, and a missing language would fall back to English.
    language: values.language || 'en',
    fields,
    // Both boxes empty: no auto-reply. One left empty is the schema's to name.
    autoReply:
      values.autoReplySubject.trim() || values.autoReplyText.trim()
        ? { subject: values.autoReplySubject, text: values.autoReplyText }
        : null,
    ...spamInputOf(values),
  });
  if (!result.success) {
    const lists = { recipients: listOf(values.recipients), allowedOrigins: listOf(values.allowedOrigins), ...spamLists(values) } as Record<
      string,
      string[]
    >;
    for (const issue of result.error.issues) {
      const { key, values: said } = issueSaid(issue);
      const [box = 'name', index, ...rest] = autoReplyBoxPath(spamBoxPath(issue.path.map(String)));
      // Where in the box: the entry itself for a list of addresses or sites, the field's place in the field list.
      const where =
        index === undefined
          ? ''
          : lists[box]
            ? `"${lists[box][Number(index)]}": `
            : `${t('editor.fieldAt', { n: Number(index) + 1 })}${rest.length > 0 ? ` (${rest.join('.')})` : ''}: `;
      (errors[box] ??= []).push(`${where}${t(key, said)}`);
    }
  }
  return result.success && Object.keys(errors).length === 0 ? { values, input: result.data, errors } : { values, errors };
}
