/** Every failure a client can cause, with its status: one closed list, one envelope. */
const STATUS = {
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
  rate_limited: 429,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof STATUS;
export type FieldErrors = Record<string, string[]>;

/** An empty error map keyed by visitor-chosen names: no prototype, so `__proto__` is just a name. */
export const emptyFieldErrors = (): FieldErrors => Object.create(null) as FieldErrors;

export class HttpError extends Error {
  readonly status: (typeof STATUS)[ErrorCode];
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { fields?: FieldErrors; retryAfter?: number } = {},
  ) {
    super(message);
    this.status = STATUS[code];
  }

  toJSON() {
    return { ok: false, error: this.code, message: this.message, ...(this.details.fields && { fields: this.details.fields }) };
  }
}

/** True when a database error is a UNIQUE violation (libSQL and D1 word it the same way). */
export function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (
      /UNIQUE constraint failed|SQLITE_CONSTRAINT_UNIQUE|SQLITE_CONSTRAINT_PRIMARYKEY/.test(
        `${e.message} ${(e as { code?: string }).code ?? ''}`,
      )
    )
      return true;
  }
  return false;
}
