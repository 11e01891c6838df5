import type { Delivery, Form, Submission } from '../db/schema.ts';
import { presentWebhook } from '../forms/webhooks.ts';

/** Public JSON shapes: timestamps as ISO strings, internals (hashes, keys) left out. */

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Secrets are write-only: a read says only that one is set. A webhook's secret shows once, in
 * the answer that made it: every one at create (`showSecrets`), the new ones after a change.
 */
export const presentForm = (form: Form, options: { showSecrets?: boolean; newSecrets?: ReadonlySet<string> } = {}) => ({
  ...form,
  spam: { ...form.spam, captcha: form.spam.captcha && { ...form.spam.captcha, secret: 'set' } },
  webhooks: form.webhooks.map((webhook) =>
    presentWebhook(webhook, (options.showSecrets ?? false) || !!options.newSecrets?.has(webhook.id)),
  ),
  createdAt: iso(form.createdAt),
  updatedAt: iso(form.updatedAt),
});

export const presentDelivery = (d: Delivery) => ({
  id: d.id,
  submissionId: d.submissionId,
  channel: d.channel,
  recipients: d.recipients,
  status: d.status,
  attempts: d.attempts,
  lastError: d.lastError,
  nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
  messageId: d.messageId,
  createdAt: iso(d.createdAt),
  sentAt: iso(d.sentAt),
});

export const presentSubmission = (s: Submission & { deliveries?: Delivery[] }) => ({
  id: s.id,
  formId: s.formId,
  createdAt: iso(s.createdAt),
  status: s.status,
  data: s.data,
  replyTo: s.meta.replyTo ?? null,
  page: s.meta.page ?? null,
  spamReasons: s.meta.spamReasons ?? [],
  // Opened in the admin: the owner has seen it.
  read: s.readAt !== null,
  ...(s.deliveries && { deliveries: s.deliveries.map(presentDelivery) }),
});
