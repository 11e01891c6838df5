import type { Deps } from '../deps.ts';
import { deliveryCounts, formCard, stuckDeliveries, unreadCounts, type FormCard } from '../db/dashboard.ts';
import { listForms } from '../db/forms.ts';
import type { Form } from '../db/schema.ts';

export const CHART_DAYS = 30;
const DAY = 86_400_000;
/** Due this long and still not tried, or a lease this far gone: the sweep or the queue is not running. */
const STUCK_AFTER = 15 * 60_000;

export type ChannelCounts = { channel: string; sent: number; waiting: number; failed: number };

export type Dashboard = {
  cards: { form: Form; card: FormCard }[];
  chartStart: number;
  smtpConfigured: boolean;
  failed: number;
  stuck: number;
  channels: ChannelCounts[];
};

/**
 * Everything /admin shows, each part counted in SQL (db/dashboard.ts). Days and months are
 * UTC's until the owner's time zone is a setting.
 */
export async function dashboardOf(deps: Deps): Promise<Dashboard> {
  const { db } = deps;
  const now = deps.now();
  const today = Math.floor(now / DAY) * DAY;
  const chartStart = today - (CHART_DAYS - 1) * DAY;
  const date = new Date(now);
  const monthStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const [forms, byChannel, stuck] = await Promise.all([
    listForms(db, { limit: 100 }),
    deliveryCounts(db),
    stuckDeliveries(db, now, STUCK_AFTER),
  ]);
  const cards = await Promise.all(
    forms.map(async (form) => ({ form, card: await formCard(db, form.id, { monthStart, chartStart, days: CHART_DAYS }) })),
  );
  const channels = new Map<string, ChannelCounts>();
  for (const { channel, status, n } of byChannel) {
    const counts = channels.get(channel) ?? { channel, sent: 0, waiting: 0, failed: 0 };
    if (status === 'sent') counts.sent += n;
    else if (status === 'failed') counts.failed += n;
    else counts.waiting += n;
    channels.set(channel, counts);
  }
  const failed = [...channels.values()].reduce((sum, c) => sum + c.failed, 0);
  return { cards, chartStart, smtpConfigured: deps.mailer !== null, failed, stuck, channels: [...channels.values()] };
}

/** The nav's badge: new submissions in every inbox. */
export async function unreadTotal(deps: Deps): Promise<number> {
  let total = 0;
  for (const n of (await unreadCounts(deps.db)).values()) total += n;
  return total;
}
