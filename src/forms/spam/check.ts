import type { Deps } from '../../deps.ts';
import type { FieldValue, Form, SpamReason } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { TOKEN_FIELDS, verifyCaptcha } from './captcha.ts';
import { judgeContent } from './judge.ts';
import { ticketSecret } from './secret.ts';
import { judgeTicket } from './ticket.ts';

export type SpamEvidence = {
  honeypot: string | undefined;
  ticket: string | undefined;
  values: Iterable<FieldValue>;
  replyTo: string | undefined;
  ip: string | undefined;
};

/** Why a submission is spam, in the contract's words; empty for a person's. */
export async function spamReasons(deps: Pick<Deps, 'db' | 'now'>, form: Form, evidence: SpamEvidence): Promise<SpamReason[]> {
  const reasons: SpamReason[] = [];
  if (evidence.honeypot?.trim()) reasons.push('honeypot');
  // Without a ticket the other rules judge alone: a script posting directly never had one.
  if (evidence.ticket) {
    const verdict = judgeTicket(await ticketSecret(deps.db), form.id, evidence.ticket, deps.now(), form.spam.minSeconds);
    if (verdict) reasons.push(verdict);
  }
  return [...reasons, ...judgeContent(form.spam, evidence)];
}

/** Takes every provider's token field out of the fields (never stored as data); the form's provider's token. */
export function takeCaptchaToken(form: Form, fields: Map<string, FieldValue>): string | undefined {
  let token: string | undefined;
  for (const [provider, name] of Object.entries(TOKEN_FIELDS)) {
    const value = fields.get(name);
    fields.delete(name);
    if (provider === form.spam.captcha?.provider) token = [value].flat()[0]?.toString();
  }
  return token;
}

/**
 * Checks the form's captcha, if it has one. A missing or rejected token is the visitor's to
 * fix (422, nothing stored). A check that cannot run keeps the message: it is stored and
 * delivered as usual, and the answer says why, for the owner to see in the admin and the mail.
 */
export async function checkCaptcha(deps: Pick<Deps, 'config' | 'log'>, form: Form, token: string | undefined, ip: string | undefined) {
  const captcha = form.spam.captcha;
  if (!captcha) return undefined;
  const { outcome, detail } = await verifyCaptcha(captcha, token, ip, deps.config.captchaVerifyUrls[captcha.provider]);
  if (outcome === 'rejected') {
    throw new AppError('captcha', 'Please complete the anti-spam check and send again. (This form needs JavaScript for that check.)');
  }
  if (outcome === 'unavailable') {
    deps.log.error('captcha could not be verified; the submission is kept and delivered', { formId: form.id, detail });
    return `${captcha.provider} could not be verified (${detail}); delivered unchecked`;
  }
  return undefined;
}
