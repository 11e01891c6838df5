import type { Deps } from '../deps.ts';
import { AppError } from '../errors.ts';
import { say, translator, type Said } from '../i18n/index.ts';
import { englishHint, type Hint } from '../mail/hints.ts';
import { checkMailDomain, type DomainReport } from '../mail/domain-check.ts';
import { testOf } from '../mail/failover.ts';
import { renderTestMessage } from '../mail/render.ts';

const english = translator('en');

/** The answer of POST /api/mail/test, `mail test` and the admin's test form alike. */
export type MailTestAnswer = (
  | { ok: true; response: string; relay?: string; transcript: string; hint?: string }
  | { ok: false; error: string; relay?: string; transcript: string; hint?: string; errorSaid?: Said }
) & { hintSaid?: Hint };

/** One real send of the test message, with the conversation and, on failure, what to do about it. */
export async function sendTestEmail(deps: Deps, to: string): Promise<MailTestAnswer> {
  if (!deps.mailer) {
    const hintSaid: Hint = [{ key: 'hint.noSmtp' }];
    const errorSaid: Said = { key: 'mailPage.noSmtp' };
    return { ok: false, error: say(english, errorSaid), errorSaid, transcript: '', hint: englishHint(hintSaid), hintSaid };
  }
  const result = await testOf(deps.mailer, renderTestMessage(deps.config.mailFrom, to, deps.now()));
  const common = {
    ...(result.relay && { relay: result.relay }),
    transcript: result.transcript.join('\n'),
    ...(result.hint && { hint: result.hint, hintSaid: result.hintSaid }),
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

/** Keys for the admin's page (`…Said`) are not the API's: programs get the contract's English. */
export const forPrograms = <T extends object>(answer: T) =>
  Object.fromEntries(Object.entries(answer).filter(([key]) => !key.endsWith('Said') && key !== 'said'));

export const reportForPrograms = (report: DomainReport) => ({ domain: report.domain, checks: report.checks.map(forPrograms) });
