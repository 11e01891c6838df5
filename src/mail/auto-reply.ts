import { html } from 'hono/html';
import { autoReplyInsert } from '../db/deliveries.ts';
import type { Form, SubmissionMeta } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { ulid } from '../ids.ts';
import type { ChannelSender } from './channel.ts';
import type { Mailer } from './mailer.ts';
import { messageIdDomain, oneLine } from './render.ts';

/**
 * The auto-reply's row for a new submission, or nothing: only when the form has one and the
 * visitor gave a valid Reply-To (the caller leaves spam out). Its `target` names the form, the
 * address and the UTC day, unique among auto-replies, so the database itself lets one through
 * per address per form per day, however many submissions race: the others' inserts do nothing.
 */
export function newAutoReply(
  deps: Pick<Deps, 'config' | 'mailer' | 'db'>,
  form: Form,
  meta: SubmissionMeta,
  submissionId: string,
  now: number,
) {
  if (!form.autoReply || !meta.replyTo) return undefined;
  const id = ulid(now);
  const day = new Date(now).toISOString().slice(0, 10);
  const statement = autoReplyInsert(deps.db, {
    id,
    submissionId,
    channel: 'autoreply',
    target: `${form.id}/${meta.replyTo.toLowerCase()}/${day}`,
    recipients: [meta.replyTo],
    // Like the notification, it waits `held` until SMTP is configured.
    status: deps.mailer ? 'pending' : 'held',
    createdAt: now,
    retrySince: now,
    nextAttemptAt: now,
    messageId: `<${id.toLowerCase()}@${messageIdDomain(deps.config.mailFrom)}>`,
  });
  return { statement, id };
}

/**
 * The owner's fixed subject and text, to the visitor's address only, From MAIL_FROM. Nothing
 * the visitor sent is in it, so the form cannot mail a stranger a spammer's words.
 */
export function autoReplyChannel(deps: Pick<Deps, 'config'>, mailer: Mailer): ChannelSender {
  return {
    async send(delivery, source) {
      const reply = source.form.autoReply;
      if (!reply) return { ok: false, temporary: false, error: 'the form no longer has an auto-reply' };
      const result = await mailer.send({
        from: deps.config.mailFrom,
        to: delivery.recipients,
        // oneLine again: a subject stored before validation existed must not reach the headers with a line break.
        subject: oneLine(reply.subject, 300),
        text: reply.text,
        html: String(html`<p style="white-space:pre-wrap">${reply.text}</p>`),
        messageId: delivery.messageId,
        date: new Date(delivery.createdAt),
        // RFC 3834: an answer machines must not answer in turn (no vacation replies bouncing back).
        headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
      });
      return { relay: 'primary', ...result };
    },
  };
}
