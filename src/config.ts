import { z } from 'zod';
import { privateKeyProblem, unescapePem, type DkimKey } from './mail/dkim.ts';
import { duration, schedule, rateLimit, absoluteUrl, plainAuthSwitch, mailbox } from './config-values.ts';

/** Typed, validated configuration: the only place defaults live. */
export type Config = {
  port: number;
  host: string;
  publicUrl: string;
  databaseUrl: string;
  databaseAuthToken: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  adminToken: string;
  adminPassword: string;
  retrySchedule: number[];
  maxAge: number;
  outboxInterval: number;
  lease: number;
  rateLimit: { max: number; windowMs: number } | null;
  /** False when publicUrl was derived from HOST and PORT (Node then fixes it once the port is known). */
  publicUrlSet: boolean;
  /** Reverse proxies in front of the Node server whose X-Forwarded-For is believed (0: none). */
  trustProxy: number;
  /** Each captcha provider's siteverify address: the provider's own unless overridden (tests, a proxy). */
  captchaVerifyUrls: Record<'turnstile' | 'hcaptcha' | 'recaptcha', string>;
  /** Node only: a request's headers must arrive within this, and the whole request within `requestTimeout`. */
  headersTimeout: number;
  requestTimeout: number;
  /** WEBHOOK_ALLOW_PRIVATE=1: http: webhook URLs and private, loopback or link-local targets are allowed. */
  webhookAllowPrivate: boolean;
  /** How long a webhook's receiver may take to answer (10 s; shorter in tests). */
  webhookTimeout: number;
  /** Signs every message when set (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY together). */
  dkim: DkimKey | null;
  /** A second relay, used at once when the first fails temporarily. */
  smtpBackupUrl: string | undefined;
  /** `host:port` resolvers for the domain check; empty: the system's. */
  dnsServers: string[];
  /** Where alerts about the outbox go (docs/alerts.md); neither set: no alerts. */
  alertWebhookUrl: string | undefined;
  alertEmail: string | undefined;
  /** How long a delivery may stay undelivered before it is an incident. */
  alertAfter: number;
};

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

/** A TCP port as text, 0 to 65535. */
const portNumber = z
  .string()
  .regex(/^\d{1,5}$/, 'must be a port number')
  .transform(Number)
  .pipe(z.number().max(65535));

const portOrNone = (text: string | undefined) => text === undefined || portNumber.safeParse(text).success;

/**
 * A resolver named by its address, with or without a port (1.1.1.1, 1.1.1.1:53,
 * 2606:4700::1111, [2606:4700::1111]:53): a name would need a resolver to find the resolver,
 * and node:dns refuses one.
 */
function isResolverAddress(text: string): boolean {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return z.ipv6().safeParse(bracketed[1]).success && portOrNone(bracketed[2]);
  if (text.split(':').length > 2) return z.ipv6().safeParse(text).success;
  const [host, port] = text.split(':');
  return z.ipv4().safeParse(host).success && portOrNone(port);
}

const envSchema = z.object({
  // 0 asks the system for a free port (tests, benchmarks).
  PORT: portNumber.optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: absoluteUrl(['http:', 'https:']).optional(),
  DATABASE_URL: absoluteUrl(['file:', 'libsql:', 'http:', 'https:', 'ws:', 'wss:']).default('file:./data/formharbor.db'),
  DATABASE_AUTH_TOKEN: z.string().optional(),
  SMTP_URL: absoluteUrl(['smtp:', 'smtps:'], 'smtp://user:pass@smtp.example.com:587').superRefine(plainAuthSwitch).optional(),
  MAIL_FROM: mailbox.default('Formharbor <forms@localhost>'),
  // What a Bearer token may contain (RFC 6750 b64token); anything else could never sign in.
  // Guessing is also rate limited (docs/security.md): 24 characters from 66 with 8 different
  // ones leave any guesser, even one with many addresses, no hope.
  ADMIN_TOKEN: z
    .string()
    .min(24, 'must be at least 24 characters, e.g. `openssl rand -base64 32`')
    .regex(/^[A-Za-z0-9._~+/-]+=*$/, 'may contain only letters, digits and - . _ ~ + /, then = padding (a Bearer token)')
    .refine(
      (token) => new Set(token).size >= 8,
      'must not repeat a few characters: use at least 8 different ones, e.g. `openssl rand -base64 32`',
    )
    .optional(),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  DELIVERY_RETRY_SCHEDULE: schedule.prefault(['1m', '5m', '15m', '1h', '4h'].join(',')),
  DELIVERY_MAX_AGE: duration.prefault('5d'),
  OUTBOX_INTERVAL: duration.prefault('5s'),
  DELIVERY_LEASE: duration.prefault('2m'),
  RATE_LIMIT: rateLimit.prefault('20/10m'),
  TURNSTILE_VERIFY_URL: absoluteUrl(['http:', 'https:'], 'https://challenges.cloudflare.com/turnstile/v0/siteverify').optional(),
  HCAPTCHA_VERIFY_URL: absoluteUrl(['http:', 'https:'], 'https://api.hcaptcha.com/siteverify').optional(),
  RECAPTCHA_VERIFY_URL: absoluteUrl(['http:', 'https:'], 'https://www.google.com/recaptcha/api/siteverify').optional(),
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  // A slow body holds its buffer until then (docs/security.md, "Slow and large bodies").
  HEADERS_TIMEOUT: duration.prefault('10s'),
  REQUEST_TIMEOUT: duration.prefault('30s'),
  WEBHOOK_ALLOW_PRIVATE: z.enum(['0', '1']).default('0'),
  WEBHOOK_TIMEOUT: duration.prefault('10s'),
  SMTP_BACKUP_URL: absoluteUrl(['smtp:', 'smtps:'], 'smtp://user:pass@smtp.backup.example:587').optional(),
  DKIM_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'must be a domain name like example.com')
    .optional(),
  DKIM_SELECTOR: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'must be a selector like formharbor or s1')
    .optional(),
  DKIM_PRIVATE_KEY: z
    .string()
    .transform(unescapePem)
    .superRefine((pem, ctx) => {
      const problem = privateKeyProblem(pem);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  ALERT_WEBHOOK_URL: absoluteUrl(['https:', 'http:'], 'https://hooks.slack.com/services/…').optional(),
  // One plain address: it becomes an envelope recipient and a To header.
  ALERT_EMAIL: z.email('must be one e-mail address like owner@example.com').optional(),
  ALERT_AFTER: duration.prefault('1h'),
  DNS_SERVERS: z
    .string()
    .transform((text) => text.split(/[\s,]+/).filter(Boolean))
    .pipe(
      z.array(
        z
          .string()
          .refine(isResolverAddress, 'must be a list of resolver addresses with an optional port, like 1.1.1.1:53 or [2606:4700::1111]:53'),
      ),
    )
    .optional(),
});

const DKIM_VARS = ['DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY'] as const;

/** All three DKIM variables or none: a half-configured signer would silently sign nothing. */
function dkimOf(e: Partial<Record<(typeof DKIM_VARS)[number], string>>): DkimKey | null {
  const missing = DKIM_VARS.filter((name) => !e[name]);
  if (missing.length === DKIM_VARS.length) return null;
  if (missing.length > 0) throw new ConfigError(`Invalid ${missing[0]}: DKIM signing needs ${DKIM_VARS.join(', ')} set together`);
  return { domainName: e.DKIM_DOMAIN!.toLowerCase(), keySelector: e.DKIM_SELECTOR!, privateKey: e.DKIM_PRIVATE_KEY! };
}

const SECRETS = new Set([
  'ADMIN_TOKEN',
  'ADMIN_PASSWORD',
  'SMTP_URL',
  'SMTP_BACKUP_URL',
  'DATABASE_AUTH_TOKEN',
  'DATABASE_URL',
  'DKIM_PRIVATE_KEY',
  // A Slack or Discord webhook URL is its own credential.
  'ALERT_WEBHOOK_URL',
]);

/** The address a server on HOST:PORT answers at, IPv6 hosts in brackets. */
export const localUrl = (host: string, port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

export type GeneratedSecrets = { adminToken?: string; adminPassword?: string };

/**
 * Reads the environment once at an entry point. Empty strings count as unset, so a
 * `.env` line like `SMTP_URL=` does not break start-up. Throws ConfigError with one line
 * that names the offending variable.
 */
export function loadConfig(env: Env, randomSecret: () => string): { config: Config; generated: GeneratedSecrets } {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    // Never echo a secret into logs, even a wrong one.
    const shown = SECRETS.has(name) ? '(hidden)' : JSON.stringify(present[name] ?? '');
    throw new ConfigError(`Invalid ${name}=${shown}: ${issue.message}`);
  }
  const e = parsed.data;
  const generated: GeneratedSecrets = {};
  if (!e.ADMIN_TOKEN) generated.adminToken = randomSecret();
  if (!e.ADMIN_PASSWORD) generated.adminPassword = randomSecret();
  const config: Config = {
    port: e.PORT ?? 8787,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? localUrl(e.HOST, e.PORT ?? 8787)).replace(/\/+$/, ''),
    publicUrlSet: e.PUBLIC_URL !== undefined,
    databaseUrl: e.DATABASE_URL,
    databaseAuthToken: e.DATABASE_AUTH_TOKEN,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    adminToken: e.ADMIN_TOKEN ?? generated.adminToken!,
    adminPassword: e.ADMIN_PASSWORD ?? generated.adminPassword!,
    retrySchedule: e.DELIVERY_RETRY_SCHEDULE,
    maxAge: e.DELIVERY_MAX_AGE,
    outboxInterval: e.OUTBOX_INTERVAL,
    lease: e.DELIVERY_LEASE,
    rateLimit: e.RATE_LIMIT,
    trustProxy: e.TRUST_PROXY,
    captchaVerifyUrls: {
      turnstile: e.TURNSTILE_VERIFY_URL ?? 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
      hcaptcha: e.HCAPTCHA_VERIFY_URL ?? 'https://api.hcaptcha.com/siteverify',
      recaptcha: e.RECAPTCHA_VERIFY_URL ?? 'https://www.google.com/recaptcha/api/siteverify',
    },
    // Node refuses to start with headers allowed longer than the whole request.
    headersTimeout: Math.min(e.HEADERS_TIMEOUT, e.REQUEST_TIMEOUT),
    requestTimeout: e.REQUEST_TIMEOUT,
    webhookAllowPrivate: e.WEBHOOK_ALLOW_PRIVATE === '1',
    webhookTimeout: e.WEBHOOK_TIMEOUT,
    dkim: dkimOf(e),
    smtpBackupUrl: e.SMTP_BACKUP_URL,
    dnsServers: e.DNS_SERVERS ?? [],
    alertWebhookUrl: e.ALERT_WEBHOOK_URL,
    alertEmail: e.ALERT_EMAIL,
    alertAfter: e.ALERT_AFTER,
  };
  return { config, generated };
}
