import type { Child } from 'hono/jsx';
import { Page } from '../../views/Page.tsx';
import { Nav } from './Nav.tsx';
import type { AdminUi } from './ui.tsx';

/** Every admin page: the frame, the navigation (`current` marks its section), the title as "… — Formharbor". */
export function Layout({
  ui,
  title,
  current,
  narrow,
  children,
}: {
  ui: AdminUi;
  title: string;
  current?: string;
  narrow?: boolean;
  children?: Child;
}) {
  return (
    <Page lang={ui.lang} t={ui.t} title={`${title} — Formharbor`} header={<Nav ui={ui} current={current} />} narrow={narrow}>
      {children}
    </Page>
  );
}
