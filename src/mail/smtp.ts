import type { Transporter } from 'nodemailer';
import { dkimSigner, type DkimKey } from './dkim.ts';
import { CERTIFICATE_FIX, englishHint, NO_STARTTLS_FIX, smtpHint, testHint, type Hint, type RelayRef } from './hints.ts';
import type { Mailer, MailTestResult, OutgoingMessage, SendResult } from './mailer.ts';
import { addressOf } from './render.ts';
import { transcriptRecorder } from './transcript.ts';

type SmtpError = Error & {
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
  recipient?: string;
  timeoutType?: string;
};

const AUTH_REPLY = /^(530|534|535|538)$/;
const CERTIFICATE_PROBLEM = /certificate|CERT_|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/i;
const NO_STARTTLS = 'the server offered no STARTTLS, so the password was not sent';

/** What workerd's own words mean: it keeps the cause of a failed TLS handshake for the Worker's log. */
const WORKERD_HINTS: [RegExp, string][] = [
  [
    /internal error; reference = /,
    'on Workers this is a failed TLS handshake: the certificate must be valid for the host name and publicly trusted; the Worker log names the cause',
  ],
  [
    /proxy request failed, cannot connect/,
    'on Workers: nothing accepted the connection at that host and port, or, with smtps://, its certificate is not publicly trusted',
  ],
];

/**
 * Maps a nodemailer failure to "try again later" or "give up", MTA style (RFC 5321 §4.2.1:
 * the first digit decides). Authentication and TLS problems are the owner's to fix, so
 * they are retried rather than dropped, with the cause spelled out.
 */
export function classifySmtpError(error: SmtpError): { temporary: boolean; error: string } {
  const reply = error.response?.replace(/\s+/g, ' ').trim();
  // 530 "authentication required", 534/535/538 and friends: the owner's credentials, not the message.
  if (error.code === 'EAUTH' || error.code === 'ENOAUTH' || AUTH_REPLY.test(String(error.responseCode ?? ''))) {
    return { temporary: true, error: `${reply ?? error.message} (authentication failed: check the user and password in SMTP_URL)` };
  }
  // Sent only because requireTLS is on (see smtpTransportUrl): the server did not take STARTTLS.
  if (error.code === 'ETLS' && error.command === 'STARTTLS') {
    return { temporary: true, error: `${NO_STARTTLS}: ${reply ?? error.message}; ${NO_STARTTLS_FIX}` };
  }
  const causeCode = String((error as { cause?: { code?: string } }).cause?.code ?? '');
  if (CERTIFICATE_PROBLEM.test(`${causeCode} ${error.message}`) && !error.responseCode) {
    return { temporary: true, error: `${error.message}: ${CERTIFICATE_FIX}` };
  }
  if (error.responseCode && reply) {
    return {
      temporary: error.responseCode < 500,
      error: reply.startsWith(String(error.responseCode)) ? reply : `${error.responseCode} ${reply}`,
    };
  }
  // Network errors, timeouts and anything unexpected: never drop a message on a guess.
  const hint = WORKERD_HINTS.find(([pattern]) => pattern.test(error.message))?.[1];
  // Every nodemailer timeout is ETIMEDOUT; which one fired (connect, greeting, socket) tells a stalled server from a starved client.
  const kind = error.timeoutType ? ` [${error.timeoutType}]` : '';
  return { temporary: true, error: `${error.code ?? 'ERROR'}: ${error.message}${kind}${hint ? ` (${hint})` : ''}` };
}

export type SmtpOptions = {
  url: string;
  pool: boolean;
  mailFrom: string;
  maxConnections?: number;
  dkim?: DkimKey | null;
  /** The variable the URL came from, named in hints (SMTP_URL by default). */
  variable?: string;
  /** Build each message whole before it is sent (Workers: see `composed`). */
  composeWhole?: boolean;
};

/** The classified failure and, when there is one to give, the owner's fix. */
function failureOf(error: SmtpError, relay: RelayRef, hintOf: (error: SmtpError, relay: RelayRef) => Hint | undefined = smtpHint) {
  const hintSaid = hintOf(error, relay);
  return { ok: false as const, ...classifySmtpError(error), ...(hintSaid && { hint: englishHint(hintSaid), hintSaid }) };
}

/**
 * The message built whole, to be handed to the socket in one piece. Streamed by nodemailer, each
 * MIME part, boundary and line-ending pass reaches the socket as a write of its own (twelve for
 * a notification); on workerd each write crosses into the runtime, and those were a third of
 * what a mail cost the Worker's isolate (`BENCH_PROFILE=1 npm run bench:workers`). On Node, where a write
 * is cheap, building first only adds a pass: 0.8 → 1.2 ms a mail. DKIM signs these bytes
 * as it signs a streamed message.
 */
async function composed(message: OutgoingMessage): Promise<Buffer> {
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
  const { preferBackup: _, ...fields } = message;
  return new MailComposer({ ...fields, disableFileAccess: true, disableUrlAccess: true }).compile().build();
}

/** The opt-out of requireTLS, read from SMTP_URL; nodemailer never sees it. */
export const ALLOW_PLAIN_AUTH = 'allowPlainAuth';

/**
 * SMTP_URL as nodemailer is to parse it, and whether TLS is required. With credentials in an
 * smtp:// URL the password is sent only after STARTTLS, even when the server (or a man in the
 * middle removing STARTTLS from its EHLO reply) offers none; `?allowPlainAuth=true` lifts that
 * for a relay on this host. A `requireTLS` in the URL would override ours (URL options win in
 * nodemailer), so it goes too: allowPlainAuth is the one switch.
 */
export function smtpTransportUrl(smtpUrl: string): { url: string; requireTLS: boolean } {
  const url = new URL(smtpUrl);
  const allowPlainAuth = url.searchParams.get(ALLOW_PLAIN_AUTH) === 'true';
  const requireTLS = url.protocol === 'smtp:' && (url.username !== '' || url.password !== '') && !allowPlainAuth;
  if (!url.searchParams.has(ALLOW_PLAIN_AUTH) && !url.searchParams.has('requireTLS')) return { url: smtpUrl, requireTLS };
  url.searchParams.delete(ALLOW_PLAIN_AUTH);
  url.searchParams.delete('requireTLS');
  return { url: url.toString(), requireTLS };
}

/**
 * Nodemailer over SMTP. Pooled on Node; on Workers one connection per message from a request,
 * or one pooled connection for a whole queue batch. nodemailer is loaded at the first send, so
 * code that only checks whether SMTP is configured (the intake) never parses it.
 */
export function createSmtpMailer({
  url,
  pool,
  mailFrom,
  maxConnections = 5,
  dkim,
  variable = 'SMTP_URL',
  composeWhole = false,
}: SmtpOptions): Mailer {
  const relay = { url, variable };
  const signer = dkim ? dkimSigner(dkim) : undefined;
  const create = async (extra: object) =>
    (await import('nodemailer')).default.createTransport({
      ...smtpTransportUrl(url),
      maxConnections,
      maxMessages: 1000,
      // Far shorter than the defaults (minutes): a stuck server fails one attempt, not a whole run.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      // Never let message content make the server read files or fetch URLs.
      disableFileAccess: true,
      disableUrlAccess: true,
      // Signed as the last step, so the signature covers the headers and body the relay receives.
      ...(signer && { dkim: signer }),
      ...extra,
    });
  let transport: Promise<Transporter> | undefined;
  const envelopeFrom = addressOf(mailFrom);
  const envelopeOf = async (message: OutgoingMessage) => {
    const envelope = { from: envelopeFrom, to: message.to };
    return composeWhole ? { raw: await composed(message), envelope } : { ...message, envelope };
  };
  return {
    async send(message: OutgoingMessage): Promise<SendResult> {
      try {
        transport ??= create({ pool });
        const info = await (await transport).sendMail(await envelopeOf(message));
        // nodemailer succeeds when any recipient was accepted; the ones refused at RCPT would be lost unnoticed.
        const refused = ((info as { rejectedErrors?: SmtpError[] }).rejectedErrors ?? []).map((error) => ({
          recipient: String(error.recipient),
          ...classifySmtpError(error),
        }));
        return { ok: true, response: String(info.response ?? '250 OK'), ...(refused.length > 0 && { refused }) };
      } catch (error) {
        // The hint rides along in the error, so a delivery's lastError tells the owner what to fix.
        // (Unless the classifier's words already carry the same fix.)
        const { hint, hintSaid: _, ...failure } = failureOf(error as SmtpError, relay);
        const explained = [CERTIFICATE_FIX, NO_STARTTLS_FIX].some((fix) => failure.error.includes(fix));
        return hint && !explained ? { ...failure, error: `${failure.error} — ${hint}` } : failure;
      }
    },
    async test(message: OutgoingMessage): Promise<MailTestResult> {
      // Its own connection: a pooled one would skip the greeting, EHLO and AUTH worth seeing.
      const { logger, lines } = transcriptRecorder(url);
      const once = await create({ pool: false, logger, debug: true });
      try {
        const info = await once.sendMail(await envelopeOf(message));
        return { ok: true, response: String(info.response ?? '250 OK'), transcript: lines };
      } catch (error) {
        return { ...failureOf(error as SmtpError, relay, testHint), transcript: lines };
      } finally {
        once.close();
      }
    },
    close() {
      void transport?.then((opened) => opened.close());
    },
  };
}
