import { and, count, desc, eq, gte, isNull, sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { deliveries, submissions, type SubmissionMeta } from './schema.ts';

// The admin's overview, counted in SQL on indexed columns: a form with 100,000 submissions
// costs index scans, never rows read into JavaScript. Reads only; writes are submissions.ts's.

const DAY = 86_400_000;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The smallest ULID made at `time` or later: ids sort by time, so `id >= floor` is "since", on the (form_id, id) index. */
export function ulidFloor(time: number): string {
  let text = '';
  for (let t = Math.max(0, Math.floor(time)), i = 0; i < 10; i++, t = Math.floor(t / 32)) text = CROCKFORD[t % 32] + text;
  return text + '0'.repeat(16);
}

/** New (unread) submissions in the inbox, per form: the nav's badge and the cards. */
export async function unreadCounts(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .select({ formId: submissions.formId, n: count() })
    .from(submissions)
    .where(and(isNull(submissions.readAt), eq(submissions.status, 'inbox')))
    .groupBy(submissions.formId);
  return new Map(rows.map((row) => [row.formId, row.n]));
}

export type FormCard = {
  unread: number;
  sinceMonthStart: number;
  spam: number;
  last: { id: string; createdAt: number; sender: string | null } | null;
  /** Submissions per day, oldest first, `days` entries; day 0 starts at `chartStart`. */
  perDay: number[];
};

/**
 * One form's card. `monthStart` and `chartStart` are instants the caller computes in the owner's
 * time zone (the chart's days are 24 h from the owner's midnight `days - 1` days ago; across a
 * daylight-saving change one bar is an hour off, which a 30-day overview can bear).
 */
export async function formCard(
  db: Db,
  formId: string,
  { monthStart, chartStart, days }: { monthStart: number; chartStart: number; days: number },
): Promise<FormCard> {
  const ofForm = eq(submissions.formId, formId);
  const since = (time: number) => and(ofForm, gte(submissions.id, ulidFloor(time)));
  const notSpam = sql`${submissions.status} <> 'spam'`;
  // Bound numbers may arrive as REAL: the cast keeps whole days.
  const day = sql<number>`CAST((${submissions.createdAt} - ${chartStart}) / ${DAY} AS INTEGER)`;
  const [[unread], [month], [spam], [last], perDay] = await Promise.all([
    db
      .select({ n: count() })
      .from(submissions)
      .where(and(ofForm, isNull(submissions.readAt), eq(submissions.status, 'inbox'))),
    db
      .select({ n: count() })
      .from(submissions)
      .where(and(since(monthStart), notSpam)),
    db
      .select({ n: count() })
      .from(submissions)
      .where(and(ofForm, eq(submissions.status, 'spam'))),
    db
      .select({ id: submissions.id, createdAt: submissions.createdAt, meta: submissions.meta, data: submissions.data })
      .from(submissions)
      .where(and(ofForm, notSpam))
      .orderBy(desc(submissions.id))
      .limit(1),
    db
      .select({ day, n: count() })
      .from(submissions)
      .where(and(since(chartStart), notSpam))
      .groupBy(day),
  ]);
  const counts = Array.from({ length: days }, () => 0);
  for (const row of perDay) if (row.day >= 0 && row.day < days) counts[row.day] = row.n;
  return {
    unread: unread?.n ?? 0,
    sinceMonthStart: month?.n ?? 0,
    spam: spam?.n ?? 0,
    last: last ? { id: last.id, createdAt: last.createdAt, sender: senderOf(last.meta, last.data) } : null,
    perDay: counts,
  };
}

/** Who sent it, as the owner knows them: the reply address, else a name field. */
function senderOf(meta: SubmissionMeta, data: Record<string, unknown>): string | null {
  const name = ['name', 'Name', 'your-name', 'fullName'].map((key) => data[key]).find((value) => typeof value === 'string');
  return meta.replyTo ?? (name as string | undefined) ?? null;
}

/** Deliveries per channel and state (the dashboard's outbox line). */
export async function deliveryCounts(db: Db): Promise<{ channel: string; status: string; n: number }[]> {
  return db
    .select({ channel: deliveries.channel, status: deliveries.status, n: count() })
    .from(deliveries)
    .groupBy(deliveries.channel, deliveries.status);
}

/** Deliveries that should have gone and did not: due for longer than `grace`, or sending past their lease. */
export async function stuckDeliveries(db: Db, now: number, grace: number): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(deliveries)
    .where(
      sql`(${deliveries.status} = 'pending' AND ${deliveries.nextAttemptAt} < ${now - grace}) OR (${deliveries.status} = 'sending' AND ${deliveries.leaseUntil} < ${now})`,
    );
  return row?.n ?? 0;
}
