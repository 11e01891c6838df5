import { englishHint, type Hint } from './hints.ts';
import type { Mailer, MailTestResult, OutgoingMessage, Relay, SendResult } from './mailer.ts';

/**
 * A primary relay with a backup. A temporary failure of the primary (network, TLS, login,
 * a 4xx reply) sends the same message, Message-ID included, through the backup at once; a
 * permanent refusal is the message's own problem and would only be refused again.
 */
export function createFailoverMailer(primary: Mailer, backup: Mailer): Mailer {
  const relays = { primary, backup };
  return {
    async send(message: OutgoingMessage): Promise<SendResult> {
      const [firstRelay, secondRelay]: [Relay, Relay] = message.preferBackup ? ['backup', 'primary'] : ['primary', 'backup'];
      const first = await relays[firstRelay].send(message);
      if (first.ok || !first.temporary) return { ...first, relay: firstRelay };
      const second = await relays[secondRelay].send(message);
      // The first relay's failure stays in the reply either way: the history is where the owner sees it.
      return second.ok
        ? { ...second, response: `${second.response} (${firstRelay} failed: ${first.error})`, relay: secondRelay }
        : { ...second, error: `${firstRelay}: ${first.error}; ${secondRelay}: ${second.error}`, relay: secondRelay };
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
        ...bothHints(first.hintSaid, second.hintSaid),
      };
    },
    close() {
      primary.close();
      backup.close();
    },
  };
}

/** Both relays' fixes, each named, or none. */
function bothHints(primary: Hint | undefined, backup: Hint | undefined) {
  const hintSaid: Hint = [
    ...(primary ? [{ key: 'hint.primary' as const }, ...primary] : []),
    ...(backup ? [{ key: 'hint.backup' as const }, ...backup] : []),
  ];
  return hintSaid.length > 0 ? { hint: englishHint(hintSaid), hintSaid } : {};
}

/** A mailer without a recorded test (a test double) still answers, with an empty transcript. */
export async function testOf(mailer: Mailer, message: OutgoingMessage): Promise<MailTestResult> {
  return mailer.test ? mailer.test(message) : { ...(await mailer.send(message)), transcript: [] };
}
