import type { ZoneSource } from '../time-zone.ts';
import { Layout } from './Layout.tsx';
import { CsrfField, type AdminUi } from './ui.tsx';

type Props = { ui: AdminUi; zone: string; source: ZoneSource; zones: string[]; saved: boolean };

const SOURCE_KEYS = { setting: 'settings.zoneChosen', connection: 'settings.zoneConnection', default: 'settings.zoneDefault' } as const;

/** The owner's time zone, which every date in the admin is shown in. */
export function SettingsPage({ ui, zone, source, zones, saved }: Props) {
  const { t } = ui;
  return (
    <Layout ui={ui} title={t('settings.title')} current="/admin/settings" narrow>
      <h1>{t('settings.title')}</h1>
      {saved && (
        <p class="ok" role="status">
          {t('settings.saved')}
        </p>
      )}
      <form method="post" action="/admin/settings">
        <CsrfField token={ui.token} />
        <label for="timeZone">{t('settings.timeZone')}</label>
        <select id="timeZone" name="timeZone" aria-describedby="timeZone-help">
          {zones.map((name) => (
            <option value={name} selected={name === zone}>
              {name}
            </option>
          ))}
        </select>
        <p id="timeZone-help" class="muted">
          {t(SOURCE_KEYS[source])} {t('settings.now', { time: ui.when(Date.now()) })}
        </p>
        <button type="submit">{t('settings.save')}</button>
      </form>
      <p>{t('settings.languageHint')}</p>
    </Layout>
  );
}
