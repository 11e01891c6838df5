import { visibleControls } from '../../mail/render.ts';
import type { Dashboard as DashboardData } from '../dashboard.ts';
import { BarChart } from './BarChart.tsx';
import { Layout } from './Layout.tsx';
import { OutboxLine, type Unsent } from './OutboxLine.tsx';
import { Theirs, type AdminUi } from './ui.tsx';
import { channelWord } from './words.ts';

/** Something the owner should act on; role=alert only for what stops mail. */
function Banners({ ui, data }: { ui: AdminUi; data: DashboardData }) {
  const { t } = ui;
  return (
    <>
      {!data.smtpConfigured && (
        <p class="banner error" role="alert">
          {t('dash.noSmtp')} <a href="/admin/mail">{t('dash.mailSettings')}</a>
        </p>
      )}
      {data.failed > 0 && (
        <p class="banner error" role="alert">
          <a href="/admin/deliveries?status=failed">{t('dash.failed', { n: data.failed })}</a>
        </p>
      )}
      {data.stuck > 0 && (
        <p class="banner error" role="alert">
          <a href="/admin/deliveries?status=pending">{t('dash.stuck', { n: data.stuck })}</a>
        </p>
      )}
    </>
  );
}

function Channels({ ui, data }: { ui: AdminUi; data: DashboardData }) {
  const { t } = ui;
  if (data.channels.length === 0) return <p class="muted">{t('dash.noDeliveries')}</p>;
  return (
    <table class="list channels">
      <caption>{t('dash.channels')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('dash.channel')}</th>
          <th scope="col">{t('dash.sent')}</th>
          <th scope="col">{t('dash.waiting')}</th>
          <th scope="col">{t('dash.failedColumn')}</th>
        </tr>
      </thead>
      <tbody>
        {data.channels.map((c) => (
          <tr data-channel={c.channel}>
            <th scope="row">
              <a href={`/admin/deliveries?channel=${encodeURIComponent(c.channel)}`}>{channelWord(t, c.channel)}</a>
            </th>
            <td data-label={t('dash.sent')}>{c.sent}</td>
            <td data-label={t('dash.waiting')}>{c.waiting}</td>
            <td data-label={t('dash.failedColumn')}>{c.failed}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** `/admin`: a card per form (new, this month, spam, the last message, 30 days of bars), banners, the outbox per channel. */
export function DashboardPage({ ui, data, unsent }: { ui: AdminUi; data: DashboardData; unsent: Unsent }) {
  const { t } = ui;
  return (
    <Layout ui={ui} title={t('dash.title')} current="/admin">
      <h1>{t('dash.title')}</h1>
      <Banners ui={ui} data={data} />
      <p>
        <a href="/admin/new-form">{t('home.newForm')}</a>
      </p>
      {data.cards.length === 0 && <p class="muted">{t('dash.noForms')}</p>}
      <ul class="cards">
        {data.cards.map(({ form, card }) => (
          <li class="card" data-form={form.id}>
            <h2>
              <a href={`/admin/forms/${form.id}`}>
                <Theirs value={form.name} />
              </a>
            </h2>
            <dl>
              <dt>{t('dash.unread')}</dt>
              <dd data-count="unread">{card.unread > 0 ? <strong>{card.unread}</strong> : card.unread}</dd>
              <dt>{t('dash.thisMonth')}</dt>
              <dd data-count="month">{card.sinceMonthStart}</dd>
              <dt>{t('dash.spam')}</dt>
              <dd data-count="spam">
                <a href={`/admin/forms/${form.id}?status=spam`}>{card.spam}</a>
              </dd>
              <dt>{t('dash.last')}</dt>
              <dd data-count="last">
                {card.last ? (
                  <a href={`/admin/submissions/${card.last.id}`}>
                    {ui.when(card.last.createdAt)}
                    {card.last.sender !== null && (
                      <>
                        {/* On its own line: an address does not break well after a date. */}
                        <br />
                        <Theirs value={card.last.sender} />
                      </>
                    )}
                  </a>
                ) : (
                  t('dash.none')
                )}
              </dd>
            </dl>
            <BarChart
              t={t}
              perDay={card.perDay}
              start={data.chartStart}
              label={t('dash.chartLabel', { form: visibleControls(form.name) })}
            />
          </li>
        ))}
      </ul>
      <h2>{t('dash.outbox')}</h2>
      <OutboxLine ui={ui} unsent={unsent} underHeading />
      <Channels ui={ui} data={data} />
    </Layout>
  );
}
