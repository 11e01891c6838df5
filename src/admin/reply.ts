import type { Form, Submission } from '../db/schema.ts';
import { isPlainAddress } from '../forms/email.ts';
import { oneLine, renderSubject } from '../mail/render.ts';

/**
 * A `mailto:` answering the visitor: their Reply-To address, `Re: ` and the notification's own
 * subject. Both parts are percent-encoded, so a subject holding `&cc=` or a line break stays text
 * in the subject (and oneLine drops line breaks before that). No link without a plain address.
 */
export function replyHref(form: Form, submission: Submission): string | undefined {
  const to = submission.meta.replyTo;
  if (!to || !isPlainAddress(to)) return undefined;
  const subject = oneLine(`Re: ${renderSubject(form, submission)}`);
  return `mailto:${encodeURIComponent(to).replace('%40', '@')}?subject=${encodeURIComponent(subject)}`;
}
