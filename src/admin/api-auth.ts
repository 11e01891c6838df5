import type { Context, MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import type { AppEnv } from '../app-env.ts';
import { AppError } from '../errors.ts';
import { ADMIN_LOGIN_LIMIT, hitRateLimit, rateLimitSubject, rateLimitWait } from '../forms/rate-limit.ts';
import { secretsEqual, sha256 } from '../ids.ts';

// Refusals are thrown, so the app's one error path answers them in the contract's envelope
// (401 with WWW-Authenticate, 429 with Retry-After).

const tooManyGuesses = (retryAfter: number) =>
  new AppError('rate_limited', `Too many wrong tokens from this address; try again in ${retryAfter} s`, { retryAfter });

/** Whom a guess counts against: the address (an IPv6 one by its /64), as for the admin's sign-in. */
const guesserOf = (c: Context<AppEnv>) => rateLimitSubject(c.var.deps.clientIp(c) ?? 'unknown');
const guessKey = (subject: string) => `api:${sha256(subject)}`;

/**
 * A missing, malformed or wrong token counts against the address; the guess that goes over the
 * limit is logged, and the ones after it are refused before they are counted, so one burst
 * makes one log line.
 */
async function refuseToken(c: Context<AppEnv>): Promise<never> {
  const { deps } = c.var;
  const subject = guesserOf(c);
  const limited = await hitRateLimit(deps, ADMIN_LOGIN_LIMIT, guessKey(subject));
  if (!limited) throw new AppError('unauthorized', 'Send Authorization: Bearer <ADMIN_TOKEN>');
  deps.log.error('too many wrong API tokens: this address is refused /api for a while', {
    address: subject,
    retryAfter: limited.retryAfter,
  });
  throw tooManyGuesses(limited.retryAfter);
}

/**
 * Bearer auth for /api with guessing limited per address (ADMIN_LOGIN_LIMIT). An address over
 * the limit is refused before its token is compared, so it cannot learn a right guess; a right
 * token costs a read and never a write.
 */
export function apiAuth(): MiddlewareHandler<AppEnv>[] {
  const refusal = { message: (c: Context) => refuseToken(c as Context<AppEnv>) };
  return [
    async function refuseGuessers(c, next) {
      const limited = await rateLimitWait(c.var.deps, ADMIN_LOGIN_LIMIT, guessKey(guesserOf(c)));
      if (limited) throw tooManyGuesses(limited.retryAfter);
      await next();
    },
    bearerAuth({
      verifyToken: (token, c) => secretsEqual(token, (c as Context<AppEnv>).var.deps.config.adminToken),
      noAuthenticationHeader: refusal,
      invalidAuthenticationHeader: refusal,
      invalidToken: refusal,
    }),
  ];
}
