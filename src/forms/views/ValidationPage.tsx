import type { FieldValue } from '../../db/schema.ts';
import type { FieldErrors } from '../../errors.ts';
import type { Language, Translate } from '../../i18n/index.ts';
import { Page } from '../../views/Page.tsx';

/** Control fields the visitor never typed: carried along unseen. */
const HIDDEN = new Set(['_next', '_subject', '_idempotency']);

type Props = { lang: Language; t: Translate; action: string; errors: FieldErrors; sent: [string, FieldValue][] };

/**
 * The no-JavaScript answer to invalid input: every message, and the visitor's input filled
 * back into a form that posts again, so nothing typed is lost. Each value follows a line
 * break after `<textarea>`, which HTML drops, so a value that starts with one keeps it.
 */
export function ValidationPage({ lang, t, action, errors, sent }: Props) {
  const values = sent.filter(([name]) => !HIDDEN.has(name));
  const hidden = sent.filter(([name]) => HIDDEN.has(name));
  const fieldsWithoutValues = Object.keys(errors).filter((name) => !values.some(([n]) => n === name));
  const boxes = [
    ...values.flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).map((item) => ({
        name,
        posted: Array.isArray(value) ? `${name}[]` : name,
        text: String(item),
      })),
    ),
    ...fieldsWithoutValues.map((name) => ({ name, posted: name, text: '' })),
  ];
  return (
    <Page lang={lang} t={t} title={t('invalid.title')} narrow>
      <h1>{t('invalid.title')}</h1>
      <ul class="error">
        {Object.entries(errors).map(([name, messages]) => (
          <li>
            <strong>{name}</strong>: {messages.join(' ')}
          </li>
        ))}
      </ul>
      <form method="post" action={action}>
        {hidden.map(([name, value]) => (
          <input type="hidden" name={name} value={String(value)} />
        ))}
        {boxes.map(({ name, posted, text }, i) => (
          <>
            <label for={`field-${i}`}>
              {name}
              {errors[name] && <span class="error"> ({errors[name].join(' ')})</span>}
            </label>
            <textarea id={`field-${i}`} name={posted} rows={text.includes('\n') ? 5 : 1}>
              {`\n${text}`}
            </textarea>
          </>
        ))}
        <button type="submit">{t('invalid.again')}</button>
      </form>
    </Page>
  );
}
