import type { Context } from 'hono';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { getDelivery } from '../db/delivery-reads.ts';
import { getForm } from '../db/forms.ts';
import { deliveryChannels, deliveryStatuses, submissionStatuses, type Delivery, type Form, type Submission } from '../db/schema.ts';
import { getSubmission, setSubmissionStatus, type SubmissionStatus } from '../db/submissions.ts';
import { AppError, type FieldErrors, type FieldsSaid } from '../errors.ts';
import { issueSaid } from '../i18n/zod-issues.ts';
import { isPlainAddress } from '../forms/email.ts';
import { cancelUnsentDeliveries, releaseDeliveries } from '../mail/new-deliveries.ts';
import type { Outbox } from '../mail/outbox.ts';

// What the API, the admin pages and the CLI ask alike, checked alike.

/** The contract's English messages per field, and the same as catalogue keys for the admin's pages. */
function fieldErrors(error: z.ZodError): { fields: FieldErrors; fieldsSaid: FieldsSaid } {
  const fields: FieldErrors = {};
  const fieldsSaid: FieldsSaid = {};
  for (const issue of error.issues) {
    const name = issue.path.join('.') || '_';
    (fields[name] ??= []).push(issue.message);
    (fieldsSaid[name] ??= []).push(issueSaid(issue));
  }
  return { fields, fieldsSaid };
}

/** Parses with a zod schema, or throws the contract's 422 with messages per field. */
export function parseOr422<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new AppError('validation', 'Some fields are not valid', fieldErrors(result.error));
  return result.data;
}

/** The query string without empty values: an HTML form's "any" option sends `status=`, meaning no filter. */
export const queryOf = (c: Context) => Object.fromEntries(Object.entries(c.req.query()).filter(([, value]) => value !== ''));

export const page = z.object({
  // Larger limits are served as 100, the most a page holds.
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .default(50)
    .transform((n) => Math.min(n, 100)),
  cursor: z.string().max(100).optional(),
});
export const submissionQuery = page.extend({ status: z.enum(submissionStatuses).optional(), q: z.string().max(200).optional() });
export const deliveryQuery = page.extend({ status: z.enum(deliveryStatuses).optional(), channel: z.enum(deliveryChannels).optional() });

/**
 * One page from a query asked for `limit + 1` rows: the extra row only tells that another
 * page exists, so the last page ends with a null cursor even when it is exactly full.
 */
export function pageOf<T extends { id: string }>(rows: T[], limit: number) {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? items[limit - 1]!.id : null };
}

const FOUND_KEYS = {
  form: 'problem.noForm',
  submission: 'problem.noSubmission',
  delivery: 'problem.noDelivery',
  webhook: 'problem.noWebhook',
} as const;

export const found = <T>(row: T | undefined, what: keyof typeof FOUND_KEYS): T => {
  if (!row) throw new AppError('not_found', `There is no such ${what}`, { said: { key: FOUND_KEYS[what] } });
  return row;
};

/** A form createForm made, or the conflict of an id that is taken (the API's and the CLI's 409). */
export const created = (form: Form | undefined, id: string | undefined): Form => {
  if (!form) throw new AppError('conflict', `A form with the id "${id}" exists`);
  return form;
};

/** Makes a delivery due now and wakes the outbox; 404 when it does not exist, 409 while a worker holds it. */
export async function retryDelivery(deps: Deps, outbox: Outbox, id: string): Promise<Delivery> {
  const retried = await outbox.retry(id);
  if (!retried) {
    found(await getDelivery(deps.db, id), 'delivery');
    throw new AppError('conflict', 'This delivery is being sent right now; retry after it settles', {
      said: { key: 'problem.deliveryBusy' },
    });
  }
  if (deps.mailer) deps.defer(outbox.wake([retried.id]));
  return retried;
}

/**
 * Moves a submission between folders. Out of spam into the inbox it gets its notification and
 * webhooks (once, however often it is released); into spam, whatever is not sent yet is dropped.
 */
export async function changeStatus(deps: Deps, outbox: Outbox, id: string, status: SubmissionStatus): Promise<Submission> {
  const before = found(await getSubmission(deps.db, id), 'submission');
  const row = found(await setSubmissionStatus(deps.db, id, status), 'submission');
  if (before.status === 'spam' && status === 'inbox') {
    const form = await getForm(deps.db, row.formId);
    const due = form ? await releaseDeliveries(deps, form, row.id, deps.now()) : [];
    if (due.length > 0) deps.defer(outbox.wake(due));
  }
  if (status === 'spam' && before.status !== 'spam') await cancelUnsentDeliveries(deps.db, row.id);
  return row;
}

/** Where a test message goes: one plain address (the CLI's `mail test --to` too). */
export const mailTestInput = z.object({ to: z.string().max(254).refine(isPlainAddress, 'must be a plain email address') });
