import { z } from 'zod';

// The kinds of value configuration variables take (durations, schedules, URLs, mailboxes):
// each parses its text or says, in one line, what it should look like.

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "90s", "5m", "250ms" → milliseconds; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

export const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration like 500ms, 30s, 5m, 1h or 2d` });
    return z.NEVER;
  }
  return ms;
});

export const schedule = z.string().transform((text, ctx) => {
  const steps = text.split(',').map((part) => parseDuration(part));
  if (steps.length === 0 || steps.some((ms) => ms === undefined || ms <= 0)) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a comma-separated list of durations like 1m,5m,1h` });
    return z.NEVER;
  }
  return steps as number[];
});

export const rateLimit = z.string().transform((text, ctx) => {
  if (text.trim() === 'off') return null;
  const match = /^(\d{1,6})\/(.+)$/.exec(text.trim());
  const windowMs = match ? parseDuration(match[2]!) : undefined;
  if (!match || !windowMs || Number(match[1]) < 1) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not like 20/10m (submissions per window) or off` });
    return z.NEVER;
  }
  return { max: Number(match[1]), windowMs };
});

/**
 * A URL with one of the given schemes; with `example`, it must also name a host. One check,
 * so a value that is no URL at all gets this line, not a parser's exception.
 */
export const absoluteUrl = (protocols: string[], example?: string) =>
  z.string().superRefine((text, ctx) => {
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      // reported below
    }
    const schemes = protocols.map((p) => (p === 'file:' ? p : `${p}//`)).join(' or ');
    if (!url || !protocols.includes(url.protocol)) ctx.addIssue({ code: 'custom', message: `must be a URL starting with ${schemes}` });
    else if (example && url.hostname === '') ctx.addIssue({ code: 'custom', message: `must name the server, like ${example}` });
  });

/**
 * `?allowPlainAuth=` lets an smtp:// URL send its password without TLS (src/mail/smtp.ts); any
 * value but true or false is a typo that would silently leave mail undelivered, so it stops start-up.
 */
export function plainAuthSwitch(text: string, ctx: z.RefinementCtx) {
  const value = URL.canParse(text) ? new URL(text).searchParams.get('allowPlainAuth') : null;
  if (value !== null && value !== 'true' && value !== 'false') {
    ctx.addIssue({
      code: 'custom',
      message: '?allowPlainAuth= must be true (send the password without TLS, for a relay on this host) or false',
    });
  }
}

// A display name plus an address, or a bare address; the address must be a plain one
// because it is also the SMTP envelope sender.
export const mailbox = z
  .string()
  .regex(/^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/, 'must be like "Name <address@example.com>"');
