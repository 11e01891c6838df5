import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { checkMailDomain } from '../mail/domain-check.ts';
import { testOf } from '../mail/failover.ts';
import { renderTestMessage } from '../mail/render.ts';

/** The answer of POST /api/mail/test, `mail test` and the admin's test form alike. */
export type MailTestAnswer =
  | { ok: true; response: string; relay?: string; transcript: string; hint?: string }
  | { ok: false; error: string; relay?: string; transcript: string; hint?: string };

/** One real send of the test message, with the conversation and, on failure, what to do about it. */
export async function sendTestEmail(deps: Deps, to: string): Promise<MailTestAnswer> {
  if (!deps.mailer) {
    const hint = 'Set SMTP_URL (e.g. smtp://user:password@smtp.example.com:587) and restart: until then notifications are held.';
    return { ok: false, error: 'SMTP_URL is not configured: notifications are held until it is', transcript: '', hint };
  }
  const result = await testOf(deps.mailer, renderTestMessage(deps.config.mailFrom, to, deps.now()));
  const common = {
    ...(result.relay && { relay: result.relay }),
    transcript: result.transcript.join('\n'),
    ...(result.hint && { hint: result.hint }),
  };
  return result.ok ? { ok: true, response: result.response, ...common } : { ok: false, error: result.error, ...common };
}

/** The domain check for MAIL_FROM, where this runtime can query DNS. */
export async function mailDomainReport(deps: Deps) {
  if (!deps.dns) {
    throw new AppError(
      'unavailable',
      'This runtime cannot query DNS records: run the check from the CLI, `npx formharbor mail check`, with the same MAIL_FROM and DKIM_* variables',
      { said: { key: 'problem.noDns' } },
    );
  }
  return checkMailDomain(deps.dns, deps.config);
}
