/** What a failed SMTP attempt means for the site owner, in plain words with the fix. */

export type SmtpFailure = Error & {
  code?: string;
  originalCode?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  cause?: unknown;
};

export const NO_STARTTLS_FIX = 'use smtps:// on port 465, fix the relay, or add ?allowPlainAuth=true to SMTP_URL for a relay on this host';
// Trusting the certificate first; switching verification off (which lets a man in the middle read the password) last.
export const CERTIFICATE_FIX =
  "trust its CA (on Node: NODE_EXTRA_CA_CERTS=/path/ca.pem, or the PEM URL-encoded in SMTP_URL's ?tls.ca=), or use the relay's real name, the one its certificate names; only as a last resort set ?tls.rejectUnauthorized=false";

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
export function smtpHint(error: SmtpFailure, { variable, url }: RelayRef): string | undefined {
  const { secure, host, port } = endpoint(url);
  const text = symptoms(error);
  const code = error.responseCode ?? 0;
  const reply = error.response ?? '';
  if (error.code === 'EAUTH' || code === 535 || code === 534) {
    return `The relay refused the user name or password in ${variable}. Check both (URL-encode characters like @ : / in them). Gmail and Google Workspace need an app password (Google account → Security → 2-Step Verification → App passwords), not the account password; Microsoft 365 needs SMTP AUTH enabled for the mailbox.`;
  }
  if (error.code === 'ENOAUTH' || code === 530) {
    return `The relay requires a login: put it in ${variable} as smtp://USER:PASSWORD@${host}:${port}.`;
  }
  if (error.code === 'ETLS' && error.command === 'STARTTLS') {
    return `${host}:${port} offered no STARTTLS, so the password in ${variable} was not sent in clear: ${NO_STARTTLS_FIX}.`;
  }
  if (CERTIFICATE.test(text) && !code) {
    return `The relay's TLS certificate is not trusted (self-signed, expired, or issued for another name than "${host}"): ${CERTIFICATE_FIX}.`;
  }
  if (secure && PLAINTEXT_AS_TLS.test(text)) {
    return `${variable} says smtps:// (TLS from the first byte) but the server on port ${port} started in plain text: that port wants STARTTLS. Use smtp://…:${port} (587 is the usual STARTTLS port), or smtps://…:465.`;
  }
  if (!secure && (/GREETING_TIMEOUT|Greeting never received/.test(text) || port === 465) && !code) {
    return `Connected to ${host}:${port} but the server never greeted: it expects TLS from the first byte (implicit TLS, as on port 465). Use smtps://…:${port} in ${variable}, or smtp://…:587 for STARTTLS.`;
  }
  if (/ECONNREFUSED/.test(text)) {
    return `Nothing accepted a connection at ${host}:${port}: a wrong host or port, the relay is down, or this host blocks outgoing port ${port} (many block 25). Try 587 with smtp:// or 465 with smtps://.`;
  }
  if (/ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|timed? ?out/i.test(text) && !code) {
    return `No answer from ${host}:${port}: a firewall or this host probably blocks outgoing port ${port} (hosting providers often block 25, some 465 or 587). Try 587 with smtp:// or 465 with smtps://, or ask the host to open the port.`;
  }
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) {
    return `The relay's host name "${host}" does not resolve: check the spelling in ${variable}.`;
  }
  if (error.command === 'MAIL FROM' && code >= 400) {
    return `The relay refused MAIL_FROM as the sender. Set MAIL_FROM to an address this SMTP account may send as: usually the account's own address, or one on a domain verified with the provider.`;
  }
  if (RELAY_DENIED.test(reply)) {
    return `The relay will not pass mail on to other domains for this connection: log in (user and password in ${variable}), or have the relay allow this server's IP address.`;
  }
  return undefined;
}
