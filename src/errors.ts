/**
 * Every failure a client can cause: one closed list. Domain code throws these; what each one
 * means over HTTP (status, envelope, page) is decided in src/http/errors.ts alone.
 */
export const ERROR_CODES = [
  'bad_request',
  'unauthorized',
  'csrf',
  'origin',
  'not_found',
  'conflict',
  'idempotency_conflict',
  'idempotency_in_progress',
  'too_large',
  'unsupported_media_type',
  'validation',
  'captcha',
  'rate_limited',
  'unavailable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
export type FieldErrors = Record<string, string[]>;

/** An empty error map keyed by visitor-chosen names: no prototype, so `__proto__` is just a name. */
export const emptyFieldErrors = (): FieldErrors => Object.create(null) as FieldErrors;

/** A failure the client caused (or may retry), worded for them; the same on /f, /api, the admin and the CLI. */
export class AppError extends Error {
  readonly fields?: FieldErrors;
  /** Seconds until trying again makes sense. */
  readonly retryAfter?: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    details: { fields?: FieldErrors; retryAfter?: number } = {},
  ) {
    super(message);
    this.fields = details.fields;
    this.retryAfter = details.retryAfter;
  }
}
