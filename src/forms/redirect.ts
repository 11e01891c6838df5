import type { Form } from '../db/schema.ts';

/** The origin of the page that sent the request: `Origin`, else `Referer`'s origin. */
export function pageOrigin(originHeader: string | undefined, referer: string | undefined): string | undefined {
  if (originHeader) return originHeader;
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

export function isOriginAllowed(form: Pick<Form, 'allowedOrigins'>, origin: string | undefined): boolean {
  // A request with neither header is a script, not a browser: nothing to protect against.
  return form.allowedOrigins.length === 0 || origin === undefined || form.allowedOrigins.includes(origin);
}

/**
 * Where `_next` may send the visitor: only http(s) targets on an allowed origin, or, when the
 * form allows any origin, back to the very page's origin. Everything else (`//evil`,
 * `javascript:`, `\\evil`, other sites) is ignored, so the form is never an open redirect.
 * A post from Formharbor's own origin (`ownOrigin`: the 422 page sending again) carries a
 * `_next` that was checked against the visitor's page when that page was made.
 */
export function safeNext(
  form: Pick<Form, 'allowedOrigins'>,
  next: string | undefined,
  origin: string | undefined,
  ownOrigin: string,
): string | undefined {
  if (!next || next.length > 2048 || /[\u0000-\u001f\\]/.test(next)) return undefined;
  let target: URL;
  try {
    target = new URL(next, origin && origin !== 'null' ? origin : undefined);
  } catch {
    return undefined;
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return undefined;
  const allowed =
    form.allowedOrigins.length > 0 ? form.allowedOrigins.includes(target.origin) : target.origin === origin || origin === ownOrigin;
  return allowed ? target.href : undefined;
}
