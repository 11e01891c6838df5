import { Hono, type Context } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { unsentCounts } from '../db/delivery-reads.ts';
import { relayHealth } from '../db/relay-health.ts';
import type { DomainReport } from '../mail/domain-check.ts';
import { AppError } from '../errors.ts';
import { say } from '../i18n/index.ts';
import { documentOf } from '../views/Page.tsx';
import { mailDomainReport, sendTestEmail, type MailTestAnswer } from './mail-test.ts';
import { mailTestInput, parseOr422 } from './queries.ts';
import { MailPage } from './views/MailPage.tsx';
import { adminUi } from './views/ui.tsx';

type MailPageEnv = AppEnv & { Variables: { csrfToken: string } };

async function mailPage(c: Context<MailPageEnv>, extra: { test?: MailTestAnswer; to?: string; check?: DomainReport | string }) {
  const { config, db } = c.var.deps;
  const [primary, backup, unsent] = await Promise.all([relayHealth(db, 'primary'), relayHealth(db, 'backup'), unsentCounts(db)]);
  return documentOf(MailPage({ ui: adminUi(c), config, relays: { primary, backup }, unsent, ...extra }));
}

/** /admin/mail: settings, relay health, the test email and the domain check. Mounted behind the admin's session and CSRF checks. */
export function mailPageRoutes() {
  const mail = new Hono<MailPageEnv>();
  mail.get('/', async (c) => {
    const unchecked = (error: Error) => (error instanceof AppError && error.said ? say(c.var.t, error.said) : error.message);
    const check = c.req.query('check') ? await mailDomainReport(c.var.deps).catch(unchecked) : undefined;
    return c.html(await mailPage(c, { check }));
  });
  mail.post('/test', async (c) => {
    const { to } = parseOr422(mailTestInput, { to: (await c.req.parseBody()).to });
    return c.html(await mailPage(c, { to, test: await sendTestEmail(c.var.deps, to) }));
  });
  return mail;
}
