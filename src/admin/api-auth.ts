import type { Context, MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import type { AppEnv } from '../app-env.ts';
import { HttpError } from '../errors.ts';
import { ADMIN_LOGIN_LIMIT, hitRateLimit, rateLimitSubject, rateLimitWait } from '../forms/rate-limit.ts';
import { secretsEqual, sha256 } from '../ids.ts';

/** The contract's 401 for /api, naming the scheme a client should use (the Worker's too). */
export const unauthorized = (message = 'Send Authorization: Bearer <ADMIN_TOKEN>') =>
  Response.json(
    { ok: false, error: 'unauthorized', message },
    { status: 401, headers: { 'www-authenticate': 'Bearer realm="formharbor"' } },
  );

const tooManyGuesses = (retryAfter: number) =>
  Response.json(new HttpError('rate_limited', `Too many wrong tokens from this address; try again in ${retryAfter} s`).toJSON(), {
    status: 429,
    headers: { 'retry-after': String(retryAfter) },
  });

/** Whom a guess counts against: the address (an IPv6 one by its /64), as for the admin's sign-in. */
const guesserOf = (c: Context<AppEnv>) => rateLimitSubject(c.var.deps.clientIp(c) ?? 'unknown');
const guessKey = (subject: string) => `api:${sha256(subject)}`;

/**
 * A missing, malformed or wrong token counts against the address; the guess that goes over the
 * limit is logged, and the ones after it are refused before they are counted, so one burst
 * makes one log line.
 */
async function refuseToken(c: Context<AppEnv>): Promise<Response> {
  const { deps } = c.var;
  const subject = guesserOf(c);
  const limited = await hitRateLimit(deps, ADMIN_LOGIN_LIMIT, guessKey(subject));
  if (!limited) return unauthorized();
  deps.log.error('too many wrong API tokens: this address is refused /api for a while', {
    address: subject,
    retryAfter: limited.retryAfter,
  });
  return tooManyGuesses(limited.retryAfter);
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
      if (limited) return tooManyGuesses(limited.retryAfter);
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
