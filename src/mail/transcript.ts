/**
 * Collects nodemailer's log of one SMTP session (its `logger` option) as plain lines,
 * credentials removed: the whole client side of an AUTH exchange, and the user and password
 * wherever else they would appear.
 */
const PREFIX: Record<string, string> = { client: 'C: ', server: 'S: ' };

export function transcriptRecorder(url: string) {
  const lines: string[] = [];
  const secrets = credentialsOf(url);
  let inAuth = false;
  const record = (entry: { tnx?: string } | undefined, message: unknown, ...args: unknown[]) => {
    // The message itself is the owner's visitor's text, not the conversation: only its size is kept.
    if (entry?.tnx === 'message' && args.length === 0) return;
    let text = String(message);
    for (const arg of args) text = text.replace(/%[sdj]/, typeof arg === 'string' ? arg : JSON.stringify(arg));
    const prefix = PREFIX[entry?.tnx ?? ''] ?? '* ';
    for (const part of text.split(/\r?\n/)) {
      if (part === '') continue;
      const line = prefix + part;
      if (/^C: AUTH\b/i.test(line)) {
        inAuth = true;
        lines.push(`C: AUTH ${part.split(/\s+/)[1] ?? ''} <credentials redacted>`.trimEnd());
        continue;
      }
      if (inAuth && line.startsWith('S: ') && !line.startsWith('S: 334')) inAuth = false;
      if (inAuth && line.startsWith('C: ')) {
        lines.push('C: <credentials redacted>');
        continue;
      }
      lines.push(redact(line, secrets));
    }
  };
  const logger = { trace: record, debug: record, info: record, warn: record, error: record, fatal: record };
  return { logger, lines };
}

const base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text))).replace(/=+$/, '');

/** The password raw and in base64, and the user in base64 (AUTH LOGIN's form), as they could show up in a line. */
function credentialsOf(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  return [password, base64(password), base64(user)].filter((secret) => secret.length >= 3);
}

function redact(line: string, secrets: string[]): string {
  return secrets.reduce((text, secret) => text.split(secret).join('<redacted>'), line);
}
