import { presentSubmission } from '../admin/present.ts';
import type { Form, Submission, WebhookSpec } from '../db/schema.ts';

// What each receiver expects: Standard Webhooks' envelope with the whole submission, or the
// text of a Slack or Discord incoming webhook (form name, fields, a link to the admin).

/** Discord refuses `content` past 2000 characters; Slack's limit is higher, one cap serves both. */
const CHAT_TEXT_MAX = 1_900;
const FIELD_TEXT_MAX = 300;

const shortened = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function chatText(form: Form, submission: Submission, link: string): string {
  const lines = Object.entries(submission.data).map(
    ([name, value]) => `${name}: ${shortened(Array.isArray(value) ? value.join(', ') : String(value), FIELD_TEXT_MAX)}`,
  );
  const head = `New submission to ${form.name}`;
  const tail = `\n${link}`;
  return shortened([head, ...lines].join('\n'), CHAT_TEXT_MAX - tail.length) + tail;
}

/** The JSON body for one webhook; `timestamp` is the attempt's, in the envelope as in the signature. */
export function webhookBody(webhook: WebhookSpec, form: Form, submission: Submission, publicUrl: string, now: number): string {
  const link = `${publicUrl}/admin/submissions/${submission.id}`;
  if (webhook.format === 'slack') return JSON.stringify({ text: chatText(form, submission, link) });
  if (webhook.format === 'discord') return JSON.stringify({ content: chatText(form, submission, link) });
  return JSON.stringify({
    type: 'submission.created',
    timestamp: new Date(now).toISOString(),
    // The submission as GET /api/submissions/:id gives it (CONTRACT.md), with the form's name and the admin's link.
    data: { ...presentSubmission(submission), formName: form.name, url: link },
  });
}
