/** What a failed SMTP attempt means for the site owner, in plain words with the fix. */
import { say, translator, type MessageKey, type Said, type Translate } from '../i18n/index.ts';

export type SmtpFailure = Error & {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  cause?: unknown;
};

const english = translator('en');

export const NO_STARTTLS_FIX = english('hint.noStarttlsFix');
// Trusting the certificate first; switching verification off (which lets a man in the middle read the password) last.
export const CERTIFICATE_FIX = english('hint.certificateFix');

/** A hint as catalogue keys, said in parts joined by a space: the owner's page says it in their language. */
export type Hint = Said[];
export const hintText = (t: Translate, hint: Hint) => hint.map((part) => say(t, part)).join(' ');
export const englishHint = (hint: Hint) => hintText(english, hint);

/** The relay as configured: which variable holds it, and the URL (never shown, only read). */
export type RelayRef = { variable: string; url: string };

const PLAINTEXT_AS_TLS =
  /wrong version number|packet length too long|unknown protocol|ssl3_get_record|record layer failure|tls_validate_record_header/i;
const CERTIFICATE = /certificate|CERT_|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|unable to get local issuer/i;
const RELAY_DENIED =
  /relay(ing)?\s+(access\s+)?(denied|not\s+permitted|prohibited)|not\s+permitted\s+to\s+relay|unable to relay|relay not allowed/i;

function endpoint(url: string) {
  try {
    const parsed = new URL(url);
    const secure = parsed.protocol === 'smtps:';
    return { secure, host: parsed.hostname, port: Number(parsed.port || (secure ? 465 : 587)) };
  } catch {
    return { secure: false, host: '?', port: 0 };
  }
}

/** Every code and message in the error's cause chain, for matching. */
function symptoms(error: SmtpFailure): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = (e as SmtpFailure).cause, depth++) {
    const f = e as SmtpFailure;
    parts.push(f.code ?? '', f.originalCode ?? '', f.message);
  }
  return parts.join(' ');
}

/**
 * A hint for the failures an owner can fix, or undefined for ordinary replies about one
 * message or recipient (a full mailbox, an unknown user), which speak for themselves.
 */
export function smtpHint(error: SmtpFailure, { variable, url }: RelayRef): Hint | undefined {
  const { secure, host, port } = endpoint(url);
  const text = symptoms(error);
  const code = error.responseCode ?? 0;
  const reply = error.response ?? '';
  const at = { variable, host, port };
  const hint = (key: MessageKey, ...more: MessageKey[]): Hint => [{ key, values: at }, ...more.map((k) => ({ key: k }))];
  if (error.code === 'EAUTH' || code === 535 || code === 534) return hint('hint.auth');
  if (error.code === 'ENOAUTH' || code === 530) return hint('hint.loginNeeded');
  if (error.code === 'ETLS' && error.command === 'STARTTLS') return hint('hint.noStarttls', 'hint.noStarttlsFix');
  if (CERTIFICATE.test(text) && !code) return hint('hint.certificate', 'hint.certificateFix');
  if (secure && PLAINTEXT_AS_TLS.test(text)) return hint('hint.plainOnTlsPort');
  if (!secure && (/GREETING_TIMEOUT|Greeting never received/.test(text) || port === 465) && !code) return hint('hint.neverGreeted');
  if (/ECONNREFUSED/.test(text)) return hint('hint.refused');
  if (/ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|timed? ?out/i.test(text) && !code) return hint('hint.noAnswer');
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) return hint('hint.unknownHost');
  if (error.command === 'MAIL FROM' && code >= 400) return hint('hint.mailFrom');
  if (RELAY_DENIED.test(reply)) return hint('hint.relayDenied');
  return undefined;
}

/**
 * A test email's hint: the owner asked what is wrong, so every failure gets one. Past the
 * failures above: the relay refused the recipient, the message itself (at DATA, or its size),
 * or the session before any mail (a coded greeting, EHLO or closing reply), or the conversation
 * broke off in a way the transcript shows.
 */
export function testHint(error: SmtpFailure, relay: RelayRef): Hint {
  const specific = smtpHint(error, relay);
  if (specific) return specific;
  const { host, port } = endpoint(relay.url);
  const values = { variable: relay.variable, host, port };
  if (error.command === 'RCPT TO') return [{ key: 'hint.recipientRefused', values }];
  if (error.command === 'DATA' || error.code === 'EMESSAGE') return [{ key: 'hint.messageRefused', values }];
  if (error.responseCode) return [{ key: 'hint.sessionRefused', values }];
  return [{ key: 'hint.conversationBroke', values }];
}
