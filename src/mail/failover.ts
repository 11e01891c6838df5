import type { Mailer, MailTestResult, OutgoingMessage, SendResult } from './mailer.ts';

/**
 * A primary relay with a backup. A temporary failure of the primary (network, TLS, login,
 * a 4xx reply) sends the same message, Message-ID included, through the backup at once; a
 * permanent refusal is the message's own problem and would only be refused again.
 */
export function createFailoverMailer(primary: Mailer, backup: Mailer): Mailer {
  return {
    async send(message: OutgoingMessage): Promise<SendResult> {
      const first = await primary.send(message);
      if (first.ok || !first.temporary) return { ...first, relay: 'primary' };
      const second = await backup.send(message);
      // The primary's failure stays in the reply either way: the history is where the owner sees it.
      return second.ok
        ? { ...second, response: `${second.response} (primary failed: ${first.error})`, relay: 'backup' }
        : { ...second, error: `primary: ${first.error}; backup: ${second.error}`, relay: 'backup' };
    },
    async test(message: OutgoingMessage): Promise<MailTestResult> {
      const first = await testOf(primary, message);
      if (first.ok || !first.temporary) return { ...first, relay: 'primary' };
      const second = await testOf(backup, message);
      return {
        ...second,
        relay: 'backup',
        transcript: [
          '--- primary relay (SMTP_URL) ---',
          ...first.transcript,
          '--- backup relay (SMTP_BACKUP_URL) ---',
          ...second.transcript,
        ],
        // The primary's fix is still the owner's to make, even when the backup took the message.
        hint: [first.hint && `Primary: ${first.hint}`, second.hint && `Backup: ${second.hint}`].filter(Boolean).join(' ') || undefined,
      };
    },
    close() {
      primary.close();
      backup.close();
    },
  };
}

/** A mailer without a recorded test (a test double) still answers, with an empty transcript. */
export async function testOf(mailer: Mailer, message: OutgoingMessage): Promise<MailTestResult> {
  return mailer.test ? mailer.test(message) : { ...(await mailer.send(message)), transcript: [] };
}
