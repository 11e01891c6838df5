import type { Delivery, DeliveryAttempt } from '../../db/schema.ts';
import { Layout } from './Layout.tsx';
import { DeliveryCard } from './SubmissionPage.tsx';
import type { AdminUi } from './ui.tsx';
import { channelWord } from './words.ts';

/** One delivery alone, with its history: an alert has no submission page to show it on. */
export function DeliveryPage({ ui, delivery, attempts }: { ui: AdminUi; delivery: Delivery; attempts: DeliveryAttempt[] }) {
  const heading = ui.t('delivery.heading', { channel: channelWord(ui.t, delivery.channel) });
  return (
    <Layout ui={ui} title={heading} current="/admin/deliveries">
      <h1>{heading}</h1>
      <p>
        <a href="/admin/deliveries">{ui.t('deliveries.title')}</a>
      </p>
      <DeliveryCard ui={ui} delivery={delivery} attempts={attempts} />
    </Layout>
  );
}
