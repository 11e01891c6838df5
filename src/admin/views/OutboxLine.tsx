import type { AdminUi } from './ui.tsx';

export type Unsent = { pending: number; sending: number; held: number; failed: number };

/** "Outbox: 0 pending, …": each count leads to its deliveries; failures stand out. */
export function OutboxLine({ ui, unsent, underHeading = false }: { ui: AdminUi; unsent: Unsent; underHeading?: boolean }) {
  const { t } = ui;
  return (
    <p>
      {/* Under an "Outbox" heading the line does not say it again. */}
      {!underHeading && `${t('outbox.label')} `}
      <a href="/admin/deliveries?status=pending">{t('outbox.pending', { n: unsent.pending })}</a>,{' '}
      <a href="/admin/deliveries?status=sending">{t('outbox.sending', { n: unsent.sending })}</a>,{' '}
      <a href="/admin/deliveries?status=held">{t('outbox.held', { n: unsent.held })}</a> {t('outbox.heldWhy')},{' '}
      <a href="/admin/deliveries?status=failed" class={unsent.failed > 0 ? 'error' : undefined}>
        {t('outbox.failed', { n: unsent.failed })}
      </a>
      .
    </p>
  );
}
