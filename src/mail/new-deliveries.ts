import { deleteDeliveries, deliveryInsert, insertDeliveriesIfNone, type NewDelivery } from '../db/deliveries.ts';
import type { Form } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { ulid } from '../ids.ts';
import { messageIdDomain } from './render.ts';

// The rows a submission's way out starts with: made at intake in the submission's own commit,
// or on release from spam. The outbox (outbox.ts) takes them from there.

type Makers = Pick<Deps, 'config' | 'mailer' | 'db'>;

/** The row for a submission's notification. */
function notificationRow(deps: Pick<Deps, 'config' | 'mailer'>, recipients: string[], submissionId: string, now: number, id: string) {
  return {
    id,
    submissionId,
    recipients,
    // Without SMTP the notification waits, visible, until a mailer is configured.
    status: deps.mailer ? 'pending' : 'held',
    createdAt: now,
    retrySince: now,
    nextAttemptAt: now,
    // One Message-ID for every attempt, so a duplicate after an ambiguous failure is recognisable.
    messageId: `<${id.toLowerCase()}@${messageIdDomain(deps.config.mailFrom)}>`,
  } as const;
}

/** A notification alone (the benchmarks' minimal servers commit it with their submission). */
export function newDelivery(deps: Makers, recipients: string[], submissionId: string, now: number, id = ulid(now)) {
  return deliveryInsert(deps.db, notificationRow(deps, recipients, submissionId, now, id));
}

/** The notification and one delivery per webhook of the form; the webhook's id is the stable `webhook-id`. */
function startingRows(deps: Pick<Deps, 'config' | 'mailer'>, form: Form, submissionId: string, now: number): NewDelivery[] {
  const webhookRows = form.webhooks.map((webhook): NewDelivery => {
    const id = ulid(now);
    const due = { status: 'pending', createdAt: now, retrySince: now, nextAttemptAt: now } as const;
    return { id, submissionId, channel: 'webhook', target: webhook.id, recipients: [], ...due, messageId: id };
  });
  return [notificationRow(deps, form.recipients, submissionId, now, ulid(now)), ...webhookRows];
}

/** What to wake: the rows not held (a notification waits while SMTP is not configured). */
const dueIds = (rows: NewDelivery[]) => rows.filter((row) => row.status === 'pending').map((row) => row.id);

/**
 * Every row a new (non-spam) submission starts; the caller commits `statements` with the
 * submission, in one atomic write, then wakes the outbox for `due`.
 */
export function newDeliveries(deps: Makers, form: Form, submissionId: string, now: number) {
  const rows = startingRows(deps, form, submissionId, now);
  return { statements: rows.map((row) => deliveryInsert(deps.db, row)), due: dueIds(rows) };
}

/**
 * A submission released from spam gets what a new one gets: its notification and its webhooks,
 * each made only when the submission has none for that channel and target, so a second release
 * (a double click, two admins) sends nothing more. Answers the ids to wake.
 */
export async function releaseDeliveries(deps: Makers, form: Form, submissionId: string, now: number): Promise<string[]> {
  const rows = startingRows(deps, form, submissionId, now);
  await insertDeliveriesIfNone(deps.db, rows);
  return dueIds(rows);
}

/** A submission moved to spam is not sent anywhere: its deliveries not sent yet (nor being sent) are dropped. */
export const cancelUnsentDeliveries = (db: Deps['db'], submissionId: string) =>
  deleteDeliveries(db, submissionId, ['pending', 'held', 'failed']);
