import { Layout } from './Layout.tsx';
import type { AdminUi } from './ui.tsx';

/** `next`: the admin page asked for, where signing in leads. */
export function LoginPage({ ui, error, next }: { ui: AdminUi; error?: string; next?: string }) {
  const { t } = ui;
  return (
    <Layout ui={ui} title={t('login.title')} narrow>
      <h1>{t('login.heading')}</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <form method="post" action="/admin/login">
        {next && <input type="hidden" name="next" value={next} />}
        <label for="password">{t('login.password')}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required autofocus />
        <button type="submit">{t('login.submit')}</button>
      </form>
    </Layout>
  );
}
