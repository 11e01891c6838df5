import type { CaptchaSettings } from '../../db/schema.ts';

export type CaptchaProvider = CaptchaSettings['provider'];

/** The field each provider's widget adds to the form with the visitor's token. */
export const TOKEN_FIELDS = {
  turnstile: 'cf-turnstile-response',
  hcaptcha: 'h-captcha-response',
  recaptcha: 'g-recaptcha-response',
} as const satisfies Record<CaptchaProvider, string>;

export const VERIFY_TIMEOUT_MS = 5_000;

/**
 * `passed`; `rejected`: the visitor's fault (no token, a wrong, used or expired one, a v3
 * score below minScore), answered 422; `unavailable`: the check could not run (unreachable,
 * timeout, 5xx, an answer that is not the API's, or the provider refusing the owner's secret),
 * which must never cost a real person's message.
 */
export type CaptchaOutcome = { outcome: 'passed' | 'rejected' | 'unavailable'; detail: string };

// The provider blames the owner's configuration, not the visitor.
const OWNER_ERRORS = new Set(['missing-input-secret', 'invalid-input-secret', 'sitekey-secret-mismatch', 'internal-error']);

type SiteverifyAnswer = { success?: unknown; score?: unknown; 'error-codes'?: unknown };

/** Asks the provider's siteverify (all three speak the same form-encoded API) about one token. */
export async function verifyCaptcha(
  captcha: CaptchaSettings,
  token: string | undefined,
  ip: string | undefined,
  verifyUrl: string,
  timeoutMs = VERIFY_TIMEOUT_MS,
): Promise<CaptchaOutcome> {
  if (!token) return { outcome: 'rejected', detail: 'no token' };
  const body = new URLSearchParams({ secret: captcha.secret, response: token, ...(ip && { remoteip: ip }) });
  let answer: SiteverifyAnswer;
  try {
    const response = await fetch(verifyUrl, { method: 'POST', body, signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return { outcome: 'unavailable', detail: `verifier answered ${response.status}` };
    answer = (await response.json()) as SiteverifyAnswer;
  } catch (error) {
    return { outcome: 'unavailable', detail: `verifier unreachable: ${error instanceof Error ? error.name : String(error)}` };
  }
  if (typeof answer !== 'object' || answer === null || typeof answer.success !== 'boolean') {
    return { outcome: 'unavailable', detail: 'verifier gave no verdict' };
  }
  const codes = Array.isArray(answer['error-codes']) ? answer['error-codes'].map(String) : [];
  if (!answer.success) {
    if (codes.some((code) => OWNER_ERRORS.has(code))) return { outcome: 'unavailable', detail: `verifier refused: ${codes.join(', ')}` };
    return { outcome: 'rejected', detail: codes.join(', ') || 'rejected' };
  }
  if (captcha.minScore !== undefined && typeof answer.score === 'number' && answer.score < captcha.minScore) {
    return { outcome: 'rejected', detail: `score ${answer.score} below ${captcha.minScore}` };
  }
  return { outcome: 'passed', detail: 'passed' };
}
