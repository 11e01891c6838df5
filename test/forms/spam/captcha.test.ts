import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptchaSettings } from '../../../src/db/schema.ts';
import { verifyCaptcha } from '../../../src/forms/spam/captcha.ts';
import { startSiteverify } from '../../support/siteverify.ts';

let verifier: Awaited<ReturnType<typeof startSiteverify>>;
beforeAll(async () => void (verifier = await startSiteverify()));
afterAll(() => verifier.close());

const turnstile: CaptchaSettings = { provider: 'turnstile', siteKey: 'site', secret: 'secret-ok' };
const v3: CaptchaSettings = { provider: 'recaptcha', siteKey: 'site', secret: 'secret-ok', minScore: 0.5 };
const url = () => verifier.env.TURNSTILE_VERIFY_URL;

describe('captcha verification', () => {
  it('should pass a good token, sending the secret, the token and the visitor address', async () => {
    expect((await verifyCaptcha(turnstile, 'good', '198.51.100.4', url())).outcome).toBe('passed');
    expect(verifier.requests.at(-1)).toEqual({
      path: '/turnstile/v0/siteverify',
      secret: 'secret-ok',
      response: 'good',
      remoteip: '198.51.100.4',
    });
  });

  it('should reject a wrong, missing or expired token without asking twice', async () => {
    const asked = verifier.requests.length;
    expect((await verifyCaptcha(turnstile, undefined, undefined, url())).outcome).toBe('rejected');
    expect(verifier.requests.length).toBe(asked);
    expect(await verifyCaptcha(turnstile, 'wrong', undefined, url())).toEqual({ outcome: 'rejected', detail: 'invalid-input-response' });
    expect(await verifyCaptcha(turnstile, 'expired', undefined, url())).toEqual({ outcome: 'rejected', detail: 'timeout-or-duplicate' });
  });

  it('should reject a v3 score below minScore and pass one above it', async () => {
    expect((await verifyCaptcha(v3, 'low', undefined, url())).outcome).toBe('rejected');
    expect((await verifyCaptcha(v3, 'good', undefined, url())).outcome).toBe('passed');
  });

  it('should call the check unavailable, not the visitor wrong, when the verifier answers 500, is down, hangs or refuses the secret', async () => {
    verifier.state.status = 500;
    expect(await verifyCaptcha(turnstile, 'good', undefined, url())).toEqual({ outcome: 'unavailable', detail: 'verifier answered 500' });
    verifier.state.status = 200;
    expect((await verifyCaptcha(turnstile, 'good', undefined, 'http://127.0.0.1:1/siteverify')).outcome).toBe('unavailable');
    verifier.state.hang = true;
    expect(await verifyCaptcha(turnstile, 'good', undefined, url(), 200)).toEqual({
      outcome: 'unavailable',
      detail: 'verifier unreachable: TimeoutError',
    });
    verifier.state.hang = false;
    expect((await verifyCaptcha({ ...turnstile, secret: 'wrong' }, 'good', undefined, url())).outcome).toBe('unavailable');
  });
});
