import type { Config } from '../config.ts';
import { createFailoverMailer } from './failover.ts';
import type { Mailer } from './mailer.ts';
import { createSmtpMailer, type SmtpOptions } from './smtp.ts';

/** How the runtime sends: pooled or not, over how many connections, composed first or streamed. */
export type RelayTransport = Pick<SmtpOptions, 'pool' | 'maxConnections' | 'composeWhole'>;

/** The configured relays as one mailer (DKIM-signed when set), or null without SMTP_URL. Node and Workers alike. */
export function createRelayMailer(config: Config, transport: RelayTransport): Mailer | null {
  if (!config.smtpUrl) return null;
  const common = { ...transport, mailFrom: config.mailFrom, dkim: config.dkim };
  const primary = createSmtpMailer({ url: config.smtpUrl, ...common });
  if (!config.smtpBackupUrl) return primary;
  return createFailoverMailer(primary, createSmtpMailer({ url: config.smtpBackupUrl, variable: 'SMTP_BACKUP_URL', ...common }));
}
