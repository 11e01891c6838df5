import type { Config } from '../config.ts';
import { alertDeliveryInsert, type NewDelivery } from '../db/deliveries.ts';
import {
  backupTakeovers,
  backupTookLatest,
  closeIncidentWrite,
  closedByThisRun,
  newestFailure,
  lastClosedAt,
  lastSentAt,
  openedByThisRun,
  openIncident,
  openIncidentWrite,
  overdueDeliveries,
} from '../db/incidents.ts';
import { ownPart } from '../db/relay-health.ts';
import { statementOf } from '../db/statements.ts';
import type { Deps } from '../deps.ts';
import { ulid } from '../ids.ts';
import type { Outbox } from './outbox.ts';
import { messageIdDomain, oneLine } from './render.ts';

// When the owner hears about the outbox (docs/alerts.md). An incident opens when a delivery
// failed since the last incident closed, one is still undelivered after ALERT_AFTER, or the
// backup relay took mail because the primary failed; it closes once nothing is overdue, every
// failure is older than the latest delivery that went through, and the primary took the latest
// mail. One alert when it opens, one recovery note when it closes, each an outbox delivery.

export const alertsConfigured = (config: Config) => Boolean(config.alertWebhookUrl || config.alertEmail);

type AlertKind = 'alert' | 'recovery';

/** One row per configured way of telling the owner; by mail it waits `held` while SMTP is not configured. */
function alertRows(deps: Pick<Deps, 'config' | 'mailer'>, kind: AlertKind, now: number): Omit<NewDelivery, 'submissionId' | 'channel'>[] {
  const { alertWebhookUrl, alertEmail, mailFrom } = deps.config;
  const due = { createdAt: now, retrySince: now, nextAttemptAt: now } as const;
  const rows: Omit<NewDelivery, 'submissionId' | 'channel'>[] = [];
  if (alertWebhookUrl) {
    const id = ulid(now);
    rows.push({ id, target: `${kind}:webhook`, recipients: [], status: 'pending', ...due, messageId: id });
  }
  if (alertEmail) {
    const id = ulid(now);
    const messageId = `<${id.toLowerCase()}@${messageIdDomain(mailFrom)}>`;
    rows.push({ id, target: `${kind}:email`, recipients: [alertEmail], status: deps.mailer ? 'pending' : 'held', ...due, messageId });
  }
  return rows;
}

const hours = (ms: number) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${Math.round(ms / 60_000)} min`);

function summaryOf(
  overdue: { count: number; held: number; oldest: number | null },
  failed: { count: number; channel: string; lastError: string | null } | undefined,
  takeovers: { count: number; reply: string } | undefined,
  alertAfter: number,
): string {
  const lines: string[] = [];
  if (takeovers)
    lines.push(
      `The primary relay (SMTP_URL) failed: ${takeovers.count} ${takeovers.count === 1 ? 'delivery' : 'deliveries'} went through the backup. ` +
        `The latest failure: ${oneLine(ownPart(takeovers.reply, 'primary'), 300)}`,
    );
  if (failed) {
    lines.push(`${failed.count} ${failed.count === 1 ? 'delivery' : 'deliveries'} failed.`);
    if (failed.lastError) lines.push(`The latest (${failed.channel}): ${oneLine(failed.lastError, 300)}`);
  }
  if (overdue.count > 0)
    lines.push(
      `${overdue.count} ${overdue.count === 1 ? 'delivery is' : 'deliveries are'} still undelivered after ${hours(alertAfter)}` +
        (overdue.oldest === null ? '.' : ` (the oldest since ${new Date(overdue.oldest).toISOString()}).`),
    );
  if (overdue.held > 0)
    lines.push(`${overdue.held} of them ${overdue.held === 1 ? 'is' : 'are'} held: SMTP_URL is not set, so no notification goes out.`);
  return lines.join('\n');
}

/** Opens or closes the incident as the outbox's state says; run with every sweep. */
export async function checkIncidents(deps: Deps, outbox: Pick<Outbox, 'wake'>): Promise<void> {
  const { db, config } = deps;
  if (!alertsConfigured(config)) return;
  const now = deps.now();
  const [open, overdue] = await Promise.all([openIncident(db), overdueDeliveries(db, now - config.alertAfter)]);
  let kind: AlertKind;
  let writes;
  let rows;
  // Only a backup can take over; without one the history has no backup attempts to look for.
  const backupSet = Boolean(config.smtpBackupUrl);
  if (!open) {
    const since = await lastClosedAt(db);
    // Takeovers from the last ALERT_AFTER only: a sweep sees one within seconds, and history from
    // before this check existed (or long since healed by the primary) is no news.
    const takeoversSince = Math.max(since, now - config.alertAfter);
    const [failed, takeovers] = await Promise.all([newestFailure(db, since), backupSet ? backupTakeovers(db, takeoversSince) : undefined]);
    if (overdue.count === 0 && !failed && !takeovers) return;
    const incident = { id: ulid(now), openedAt: now, summary: summaryOf(overdue, failed, takeovers, config.alertAfter) };
    kind = 'alert';
    rows = alertRows(deps, kind, now);
    writes = [openIncidentWrite(db, incident), ...rows.map((row) => alertDeliveryInsert(db, row, openedByThisRun(incident.id)))];
    deps.log.error(`incident ${incident.id} opened: ${incident.summary.replaceAll('\n', ' ')}`);
  } else {
    // Still failing: something is overdue, a failure is newer than the last delivery that went
    // through, or the primary relay has not taken mail since the backup did.
    if (overdue.count > 0 || (await newestFailure(db, await lastSentAt(db))) || (backupSet && (await backupTookLatest(db)))) return;
    kind = 'recovery';
    rows = alertRows(deps, kind, now);
    const closedBy = rows[0]?.id ?? ulid(now);
    writes = [
      closeIncidentWrite(db, open.id, now, closedBy),
      ...rows.map((row) => alertDeliveryInsert(db, row, closedByThisRun(open.id, closedBy))),
    ];
    deps.log.info(`incident ${open.id} closed: deliveries go through again`);
  }
  await deps.commit(writes.map(statementOf));
  // A run that lost the race to another wrote no rows: waking ids that do not exist sends nothing.
  await outbox.wake(rows.filter((row) => row.status === 'pending').map((row) => row.id));
}
