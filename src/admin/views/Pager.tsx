import type { AdminUi } from './ui.tsx';

/**
 * Paging links: back to the newest page once past it (the cursors only lead to older rows,
 * so "newer" is the browser's Back), and on to older rows while there are more.
 */
export function Pager({
  ui,
  newest,
  older,
  what,
}: {
  ui: AdminUi;
  newest: string | null;
  older: string | null;
  what: 'submissions' | 'deliveries';
}) {
  if (!newest && !older) return null;
  const { t } = ui;
  return (
    <p>
      {newest && <a href={newest}>{t(what === 'submissions' ? 'pager.newestSubmissions' : 'pager.newestDeliveries')}</a>}
      {newest && older ? ' · ' : ''}
      {older && <a href={older}>{t(what === 'submissions' ? 'pager.olderSubmissions' : 'pager.olderDeliveries')}</a>}
    </p>
  );
}
