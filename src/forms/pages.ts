import { html } from 'hono/html';
import type { FieldErrors } from '../errors.ts';
import type { FieldValue } from '../db/schema.ts';
import { layout } from '../pages.ts';

export function thanksPage(formName: string) {
  return layout(
    'Thank you',
    html`<h1>Thank you</h1><p>Your message to ${formName} was received and stored. You can close this page or go back.</p>`,
  );
}

/** Control fields the visitor never typed: carried along unseen. */
const HIDDEN = new Set(['_next', '_subject', '_idempotency']);

/**
 * The no-JavaScript answer to invalid input: every message, and the visitor's input filled
 * back into a form that posts again, so nothing typed is lost. Each value follows a line
 * break after `<textarea>`, which HTML drops, so a value that starts with one keeps it.
 */
export function validationPage(action: string, errors: FieldErrors, sent: [string, FieldValue][]) {
  const values = sent.filter(([name]) => !HIDDEN.has(name));
  const hidden = sent.filter(([name]) => HIDDEN.has(name));
  const fieldsWithoutValues = Object.keys(errors).filter((name) => !values.some(([n]) => n === name));
  return layout(
    'Please check your message',
    html`<h1>Please check your message</h1>
<ul class="error">${Object.entries(errors).map(([name, messages]) => html`<li><strong>${name}</strong>: ${messages.join(' ')}</li>`)}</ul>
<form method="post" action="${action}">
${hidden.map(([name, value]) => html`<input type="hidden" name="${name}" value="${String(value)}">`)}
${values.map(([name, value]) =>
  (Array.isArray(value) ? value : [value]).map(
    (item) => html`<label>${name}${errors[name] ? html` <span class="error">(${errors[name]!.join(' ')})</span>` : ''}
<textarea name="${Array.isArray(value) ? `${name}[]` : name}" rows="${String(item).includes('\n') ? 5 : 1}">
${String(item)}</textarea></label>`,
  ),
)}
${fieldsWithoutValues.map((name) => html`<label>${name} <span class="error">(${errors[name]!.join(' ')})</span><textarea name="${name}" rows="1"></textarea></label>`)}
<button type="submit">Send again</button>
</form>`,
  );
}
