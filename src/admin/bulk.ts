import type { Context } from 'hono';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { listDeliveries } from '../db/delivery-reads.ts';
import type { Delivery } from '../db/schema.ts';
import { deleteSubmissions, idsInForm } from '../db/submissions.ts';
import type { Outbox } from '../mail/outbox.ts';
import { changeStatus, parseOr422 } from './queries.ts';

// Acting on many submissions or deliveries at once, for the admin's lists.

export const bulkActions = ['spam', 'inbox', 'archived', 'delete'] as const;
export type BulkAction = (typeof bulkActions)[number];

/** A page of the list holds at most 100 rows; more ids than that were not ticked on one. */
const bulkInput = z.object({
  action: z.enum(bulkActions, 'Choose what to do with the ticked submissions'),
  ids: z.array(z.string().max(40)).min(1, 'Tick at least one submission').max(100),
  confirm: z.literal('yes').optional(),
});

/**
 * The ticked boxes: several `id` fields. Read from formData, not parseBody, whose cache keeps
 * the session check's parse, and that one kept only the last of repeated fields.
 */
export async function bulkRequest(c: Context) {
  const body = await c.req.formData();
  return parseOr422(bulkInput, {
    action: body.get('action') ?? undefined,
    ids: body.getAll('id'),
    confirm: body.get('confirm') ?? undefined,
  });
}

/**
 * Applies an action to the form's ticked submissions; answers how many it touched. A move goes
 * through changeStatus, one at a time, so a release from spam notifies exactly as PATCH does.
 */
export async function applyBulk(deps: Deps, outbox: Outbox, formId: string, action: BulkAction, ids: string[]): Promise<number> {
  const own = await idsInForm(deps.db, formId, ids);
  if (action === 'delete') await deleteSubmissions(deps.db, own);
  else for (const id of own) await changeStatus(deps, outbox, id, action);
  return own.length;
}

/** One request retries at most this many; a larger backlog takes another click. */
const RETRY_ALL_LIMIT = 1000;

/** "Retry all failed": each failed delivery (of one channel, if given) due now. Answers how many. */
export async function retryAllFailed(deps: Deps, outbox: Outbox, channel?: Delivery['channel']): Promise<number> {
  const due: string[] = [];
  for (let cursor: string | undefined; due.length < RETRY_ALL_LIMIT;) {
    const page = await listDeliveries(deps.db, { status: 'failed', channel, limit: 100, cursor });
    for (const delivery of page) {
      const retried = await outbox.retry(delivery.id);
      if (retried) due.push(retried.id);
    }
    if (page.length < 100) break;
    cursor = page[page.length - 1]!.id;
  }
  if (due.length > 0) deps.defer(outbox.wake(due));
  return due.length;
}
