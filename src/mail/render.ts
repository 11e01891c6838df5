import { html } from 'hono/html';
import type { Form, Submission } from '../db/schema.ts';
import { DEMO_FORM_ID, DEMO_NOTICE, DEMO_SUBJECT_PREFIX } from '../demo.ts';
import { translator, type Translate } from '../i18n/index.ts';
import type { OutgoingMessage } from './mailer.ts';

// Line breaks of every flavour, including U+2028/2029 and NEL, which some mail clients honour.
const LINE_BREAKS = /[\r\n\u0085\u2028\u2029]+/g;
// Control characters, and direction overrides: one in a visitor's name would reverse the rest of a subject line.
const CONTROL = /[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g;

/** A one-line header text: no way for visitor input to start a new header. Cut by code point, never mid-character. */
export function oneLine(text: string, maxLength = 200): string {
  return Array.from(text.replace(LINE_BREAKS, ' ').replace(CONTROL, '').replace(/\s+/g, ' ').trim()).slice(0, maxLength).join('');
}

const UTF8 = new TextEncoder();
const base64 = (text: string) => btoa(String.fromCharCode(...UTF8.encode(text)));

/**
 * Header text that mail clients show exactly as typed. Clients decode RFC 2047 encoded words
 * in a header, and nodemailer passes well-formed ones on as already encoded, so a visitor's
 * `=?UTF-8?Q?Hi=0D=0ABcc:_x?=` would be shown as two lines. Text containing `=?` is sent as
 * encoded words itself (at most 45 bytes each, so every word stays within 75 characters).
 */
function literalHeaderText(text: string): string {
  if (!text.includes('=?')) return text;
  const words = [''];
  for (const char of text) {
    if (UTF8.encode(words[words.length - 1] + char).length > 45) words.push('');
    words[words.length - 1] += char;
  }
  return words.map((word) => `=?UTF-8?B?${base64(word)}?=`).join(' ');
}

export function displayValue(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(', ') : String(value);
}

/**
 * Someone else's text with its direction controls made visible, for the mail and the admin:
 * an override in one field would reverse what follows it ("order 1234" read "4321"), and
 * `gnp.exe` written backwards is shown as such.
 */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
export const visibleControls = (text: string) => text.replace(BIDI_CONTROLS, (c) => `[U+${c.codePointAt(0)!.toString(16).toUpperCase()}]`);

/** The notification's subject (the admin's reply link answers it too), labels in the form's language. */
export function renderSubject(form: Form, submission: Submission, t: Translate = translator(form.language)): string {
  const fallback = oneLine(t('mail.defaultSubject', { form: form.name }));
  // Only the owner's template is a template; a visitor's `_subject` is text as typed.
  if (!form.subject) return (submission.meta.subject && oneLine(submission.meta.subject)) || fallback;
  const filled = form.subject.replace(/\{\{\s*([^{}\s]+)\s*\}\}/g, (_, name: string) => {
    const value = Object.hasOwn(submission.data, name) ? submission.data[name] : undefined;
    return value === undefined ? '' : displayValue(value);
  });
  return oneLine(filled) || fallback;
}

/** Message-IDs end in the sender's domain, as mail servers expect of the sender. */
export const messageIdDomain = (mailFrom: string) => addressOf(mailFrom).split('@')[1] ?? 'formharbor.invalid';

/** The address part of a mailbox such as `Formharbor <forms@example.com>`. */
export function addressOf(mailbox: string): string {
  return /<([^<>]+)>\s*$/.exec(mailbox)?.[1] ?? mailbox.trim();
}

export type RenderInput = { form: Form; submission: Submission; messageId: string; mailFrom: string; publicUrl: string };

/** The owner's notification. Pure: the same input always renders the same message. */
export function renderNotification({ form, submission, messageId, mailFrom, publicUrl }: RenderInput): OutgoingMessage {
  const entries = Object.entries(submission.data).map(
    ([name, value]) => [visibleControls(name), visibleControls(displayValue(value))] as const,
  );
  const t = translator(form.language);
  const formName = visibleControls(form.name);
  const received = t('mail.received', { id: submission.id, time: new Date(submission.createdAt).toISOString() });
  const adminLink = `${publicUrl}/admin/submissions/${submission.id}`;
  const demo = form.id === DEMO_FORM_ID;
  // The owner must know the check did not run: during a verifier outage bots get through too.
  const unchecked = submission.meta.captchaUnchecked && t('mail.captchaUnchecked', { reason: submission.meta.captchaUnchecked });
  const text = [
    t('mail.newSubmissionTo', { form: formName }),
    '',
    ...(demo ? [DEMO_NOTICE, ''] : []),
    ...(unchecked ? [unchecked, ''] : []),
    ...entries.map(([name, value]) => `${name}:\n${value}\n`),
    received,
    t('mail.viewIt', { link: adminLink }),
  ].join('\n');
  const body = html`<!doctype html><html><body style="font-family:sans-serif">
<h2>${t('mail.newSubmissionTo', { form: formName })}</h2>
${demo ? html`<p style="color:#a00">${DEMO_NOTICE}</p>` : ''}${unchecked ? html`<p style="color:#a00">${unchecked}</p>` : ''}<table cellpadding="6" style="border-collapse:collapse">${entries.map(
    ([name, value]) =>
      html`<tr><th align="left" valign="top" style="border-bottom:1px solid #ddd">${name}</th><td style="border-bottom:1px solid #ddd;white-space:pre-wrap">${value}</td></tr>`,
  )}</table>
<p style="color:#666">${received}.
<a href="${adminLink}">${t('mail.viewInAdmin')}</a></p></body></html>`;
  return {
    from: mailFrom,
    to: form.recipients,
    ...(submission.meta.replyTo && { replyTo: submission.meta.replyTo }),
    subject: literalHeaderText((demo ? DEMO_SUBJECT_PREFIX : '') + renderSubject(form, submission, t)),
    text,
    // html`` escapes every interpolated value; with no async children it renders synchronously
    html: String(body),
    messageId,
    // The submission's time: every retry is then the same message, and a late one still shows when the visitor sent it.
    date: new Date(submission.createdAt),
    headers: { 'X-Formharbor-Submission': submission.id },
  };
}

/** The message `mail test` and `POST /api/mail/test` send to prove the SMTP settings work. */
export function renderTestMessage(mailFrom: string, to: string, now: number): OutgoingMessage {
  const domain = messageIdDomain(mailFrom);
  return {
    from: mailFrom,
    to: [to],
    subject: 'Formharbor test message',
    text: 'This is a test from Formharbor: your SMTP settings work.',
    html: '<p>This is a test from Formharbor: your SMTP settings work.</p>',
    messageId: `<test-${now}@${domain}>`,
    date: new Date(now),
    headers: {},
  };
}
