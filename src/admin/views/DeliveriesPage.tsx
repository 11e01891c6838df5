import { deliveryChannels, type Delivery, type DeliveryStatus } from '../../db/schema.ts';
import { Layout } from './Layout.tsx';
import { Pager } from './Pager.tsx';
import { CsrfField, Theirs, type AdminUi } from './ui.tsx';
import { channelWord, deliveryStatusWord } from './words.ts';

const DELIVERY_STATUSES: DeliveryStatus[] = ['failed', 'pending', 'sending', 'held', 'sent'];

type Channel = Delivery['channel'];
type Props = { ui: AdminUi; query: { status?: DeliveryStatus; channel?: Channel; cursor?: string }; rows: Delivery[]; next: string | null };

/** Where a delivery is shown with its history: its submission's page, or its own for an alert (about no submission). */
export const deliveryHref = (d: Pick<Delivery, 'id' | 'channel' | 'submissionId'>) =>
  d.channel === 'alert' ? `/admin/deliveries/${d.id}` : `/admin/submissions/${d.submissionId}`;

/** Deliveries across every form, so a bounce is found without opening each form. */
export function DeliveriesPage({ ui, query: { status, channel, cursor }, rows, next }: Props) {
  const { t } = ui;
  const params = (extra: Record<string, string>) =>
    new URLSearchParams({ ...(status && { status }), ...(channel && { channel }), ...extra }).toString();
  const heading = status ? t('deliveries.headingOf', { status: deliveryStatusWord(t, status) }) : t('deliveries.title');
  return (
    <Layout ui={ui} title={heading} current="/admin/deliveries">
      <h1>{heading}</h1>
      <form method="get" class="row">
        <div class="field">
          <label for="status">{t('form.status')}</label>
          <select id="status" name="status">
            <option value="">{t('form.any')}</option>
            {DELIVERY_STATUSES.map((s) => (
              <option value={s} selected={status === s}>
                {deliveryStatusWord(t, s)}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="channel">{t('deliveries.channel')}</label>
          <select id="channel" name="channel">
            <option value="">{t('deliveries.anyChannel')}</option>
            {deliveryChannels.map((ch) => (
              <option value={ch} selected={channel === ch}>
                {channelWord(t, ch)}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">{t('deliveries.show')}</button>
      </form>
      <form method="post" action={`/admin/deliveries/retry-failed${channel ? `?channel=${channel}` : ''}`}>
        <CsrfField token={ui.token} />
        <button type="submit">{t('deliveries.retryAllFailed')}</button>
      </form>
      <table class="list">
        <thead>
          <tr>
            <th scope="col">{t('deliveries.created')}</th>
            <th scope="col">{t('form.status')}</th>
            <th scope="col">{t('deliveries.channel')}</th>
            <th scope="col">{t('deliveries.to')}</th>
            <th scope="col">{t('deliveries.attempts')}</th>
            <th scope="col">{t('deliveries.lastReply')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((d) => (
            <tr>
              <td data-label={t('deliveries.created')} class="when">
                <a href={deliveryHref(d)}>{ui.when(d.createdAt)}</a>
              </td>
              <td data-label={t('form.status')}>{deliveryStatusWord(t, d.status)}</td>
              <td data-label={t('deliveries.channel')}>{channelWord(t, d.channel)}</td>
              <td data-label={t('deliveries.to')}>{d.recipients.join(', ') || d.target}</td>
              <td data-label={t('deliveries.attempts')}>{d.attempts}</td>
              <td data-label={t('deliveries.lastReply')}>{d.lastError ? <Theirs value={d.lastError} /> : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 && (
        <p class="muted">{status ? t('deliveries.noneOf', { status: deliveryStatusWord(t, status) }) : t('deliveries.none')}</p>
      )}
      <Pager
        ui={ui}
        newest={cursor ? `/admin/deliveries?${params({})}` : null}
        older={next && `/admin/deliveries?${params({ cursor: next })}`}
        what="deliveries"
      />
    </Layout>
  );
}
