import { z } from 'zod';
import type { Deps } from '../deps.ts';
import { listForms } from '../db/forms.ts';
import { deleteSubmissions, oldSubmissionIds, submissionsContaining } from '../db/submissions.ts';
import type { FieldValue } from '../db/schema.ts';
import { ulidTimePrefix } from '../ids.ts';
import { isPlainAddress } from './email.ts';

const DAY_MS = 86_400_000;
/** Small deletes, each its own write: intake's inserts go between them, however much has expired. */
const BATCH = 200;
/** Per sweep; what is left waits for the next tick (5 s on Node, the cron on Workers). */
const MAX_BATCHES_PER_SWEEP = 25;

/**
 * Deletes submissions older than their form's `retentionDays` (null: kept) and spam older
 * than `spamRetentionDays`, with their deliveries. Answers how many were deleted.
 */
export async function sweepRetention(deps: Pick<Deps, 'db' | 'now'>): Promise<number> {
  let deleted = 0;
  let batches = 0;
  for (let cursor: string | undefined; ;) {
    const forms = await listForms(deps.db, { limit: 200, cursor });
    for (const form of forms) {
      for (const [spam, days] of [
        [true, form.spamRetentionDays],
        [false, form.retentionDays],
      ] as const) {
        if (days === null) continue;
        const before = ulidTimePrefix(deps.now() - days * DAY_MS);
        for (;;) {
          if (batches++ >= MAX_BATCHES_PER_SWEEP) return deleted;
          const ids = await oldSubmissionIds(deps.db, form.id, spam, before, BATCH);
          await deleteSubmissions(deps.db, ids);
          deleted += ids.length;
          if (ids.length < BATCH) break;
        }
      }
    }
    if (forms.length < 200) return deleted;
    cursor = forms[forms.length - 1]!.id;
  }
}

export const eraseInput = z.object({
  email: z.string({ error: 'give the email address to erase' }).trim().max(254).refine(isPlainAddress, 'must be a plain email address'),
});

/** The address standing alone in a value: "ann@x.test" is not inside "joann@x.test" nor "ann@x.test.evil". */
function holdsAddress(value: FieldValue, address: string): boolean {
  const escaped = address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const alone = new RegExp(`(?<![\\w.%+'-])${escaped}(?![\\w.-]*\\w)`, 'i');
  return [value].flat().some((item) => typeof item === 'string' && alone.test(item));
}

/** Every submission, on every form, holding the address in any field: ids, oldest first. */
async function idsHolding(deps: Pick<Deps, 'db'>, address: string): Promise<string[]> {
  const ids: string[] = [];
  for (let cursor = ''; ;) {
    const rows = await submissionsContaining(deps.db, address, cursor, 500);
    for (const row of rows) if (Object.values(row.data).some((value) => holdsAddress(value, address))) ids.push(row.id);
    if (rows.length < 500) return ids;
    cursor = rows[rows.length - 1]!.id;
  }
}

export async function countByEmail(deps: Pick<Deps, 'db'>, address: string): Promise<number> {
  return (await idsHolding(deps, address)).length;
}

/** Erases them with their deliveries (a person's request under GDPR art. 17); answers how many. */
export async function eraseByEmail(deps: Pick<Deps, 'db'>, address: string): Promise<number> {
  const ids = await idsHolding(deps, address);
  for (let i = 0; i < ids.length; i += BATCH) await deleteSubmissions(deps.db, ids.slice(i, i + BATCH));
  return ids.length;
}
