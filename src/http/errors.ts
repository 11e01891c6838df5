import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Log } from '../deps.ts';
import { AppError, type ErrorCode, type FieldErrors } from '../errors.ts';
import { bodyKind } from '../forms/parse.ts';
import { say, translator, type Language, type MessageKey } from '../i18n/index.ts';
import { languageOf } from '../i18n/request.ts';
import { ADMIN_CSP, PAGE_CSP } from '../pages.ts';
import { ErrorPage } from '../views/ErrorPage.tsx';
import { documentOf } from '../views/Page.tsx';

// The one place where an error becomes an answer: /f, /api and /admin through the app's
// onError and notFound, the Worker's refusals through errorJson. (The /f 422 page that fills
// the form back in stays with its route: it needs the input as typed.)

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  unauthorized: 401,
  csrf: 403,
  origin: 403,
  not_found: 404,
  conflict: 409,
  idempotency_conflict: 409,
  idempotency_in_progress: 409,
  too_large: 413,
  unsupported_media_type: 415,
  validation: 422,
  captcha: 422,
  rate_limited: 429,
  unavailable: 503,
};

export const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** JSON for scripts and the embed; HTML pages for plain form posts. */
export function wantsJson(c: Context): boolean {
  return (c.req.header('accept') ?? '').includes('application/json') || bodyKind(c.req.header('content-type')) === 'json';
}

/** Scripts always get the envelope on /api; elsewhere the request says what it reads. */
const answersJson = (c: Context) => under(c.req.path, '/api') || wantsJson(c);

const envelope = (error: AppError) => ({
  ok: false,
  error: error.code,
  message: error.message,
  ...(error.fields && { fields: error.fields }),
});

function errorHeaders(error: AppError, path: string): Record<string, string> {
  return {
    ...(error.retryAfter && { 'Retry-After': String(error.retryAfter) }),
    // Names the scheme a client should use.
    ...(error.code === 'unauthorized' && under(path, '/api') && { 'www-authenticate': 'Bearer realm="formharbor"' }),
  };
}

/** The contract's envelope for a request no Hono app has seen (the Worker's refusals). */
export const errorJson = (error: AppError, path: string) =>
  Response.json(envelope(error), { status: STATUS[error.code], headers: errorHeaders(error, path) });

/**
 * An error as a page in the reader's language, under the admin's own CSP in the admin and the
 * visitors' elsewhere. The words come from the error's keys; an error without them (a visitor's
 * field checks, worded by the form) shows its own message.
 */
function errorPage(c: Context, status: ContentfulStatusCode, error: AppError) {
  const forOwner = c.req.path.startsWith('/admin');
  // Set by the app's language middleware; read here too for an error raised before it ran.
  const lang = (c.get('lang') as Language | undefined) ?? languageOf(c);
  const t = translator(lang);
  const message = error.said ? say(t, error.said) : forOwner ? t(`problem.${error.code}` as MessageKey) : error.message;
  const fields: FieldErrors = error.fieldsSaid
    ? Object.fromEntries(Object.entries(error.fieldsSaid).map(([name, said]) => [name, said.map((one) => say(t, one))]))
    : (error.fields ?? {});
  c.header('Content-Security-Policy', forOwner ? ADMIN_CSP : PAGE_CSP);
  return c.html(documentOf(ErrorPage({ lang, t, status, message, fields, forOwner })), status);
}

/** The answer to an AppError: the contract's JSON envelope or a page, with its status and headers. */
export function errorResponse(c: Context, error: AppError) {
  for (const [name, value] of Object.entries(errorHeaders(error, c.req.path))) c.header(name, value);
  const status = STATUS[error.code];
  return answersJson(c) ? c.json(envelope(error), status) : errorPage(c, status, error);
}

export const notFound = (c: Context) =>
  errorResponse(c, new AppError('not_found', 'Nothing here', { said: { key: 'problem.nothingHere' } }));

/** The app's onError: AppErrors as the contract says, Hono's own as Hono made them, anything else a logged 500. */
export const handleErrors = (log: Log): ErrorHandler =>
  function handleError(error, c) {
    if (error instanceof AppError) return errorResponse(c, error);
    if (error instanceof HTTPException) return error.getResponse();
    // The visitor hung up before the body arrived: nothing was stored and nobody reads an answer.
    if (c.req.raw.signal.aborted) {
      // The error's first line still shows, in case something else failed meanwhile.
      log.info('request abandoned by the visitor', { path: c.req.path, error: String(error) });
      return c.body(null, 400);
    }
    // A reference the visitor can quote, made only here: an id on every response cost ~5% of a submission's CPU.
    const requestId = crypto.randomUUID();
    log.error('unhandled error', { requestId, path: c.req.path, error: error.stack ?? String(error) });
    if (answersJson(c)) return c.json({ ok: false, error: 'internal', requestId }, 500);
    const message = `Something went wrong on our side (request ${requestId}).`;
    return errorPage(c, 500, new AppError('unavailable', message, { said: { key: 'problem.internal', values: { requestId } } }));
  };
