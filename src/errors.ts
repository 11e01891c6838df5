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

import type { Said } from './i18n/index.ts';

export type ErrorCode = (typeof ERROR_CODES)[number];
export type FieldErrors = Record<string, string[]>;

/** An empty error map keyed by visitor-chosen names: no prototype, so `__proto__` is just a name. */
export const emptyFieldErrors = (): FieldErrors => Object.create(null) as FieldErrors;

/** The same field messages as keys, for a page in the reader's language. */
export type FieldsSaid = Record<string, Said[]>;

export type AppErrorDetails = { fields?: FieldErrors; retryAfter?: number; said?: Said; fieldsSaid?: FieldsSaid };

/**
 * A failure the client caused (or may retry), worded for them; the same on /f, /api, the admin and the CLI.
 * The message (and fields) are the contract's English for programs; `said` and `fieldsSaid` say
 * the same for the pages, which show it in the reader's language.
 */
export class AppError extends Error {
  readonly fields?: FieldErrors;
  /** Seconds until trying again makes sense. */
  readonly retryAfter?: number;
  readonly said?: Said;
  readonly fieldsSaid?: FieldsSaid;
  constructor(
    readonly code: ErrorCode,
    message: string,
    details: AppErrorDetails = {},
  ) {
    super(message);
    this.fields = details.fields;
    this.retryAfter = details.retryAfter;
    this.said = details.said;
    this.fieldsSaid = details.fieldsSaid;
  }
}
