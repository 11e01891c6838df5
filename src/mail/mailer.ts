import type { Hint } from './hints.ts';
/** The port every mail transport implements; the outbox knows nothing else about SMTP. */
export type OutgoingMessage = {
  from: string;
  to: string[];
  replyTo?: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** The Date header: when the message was ready, not when an attempt happens to run. */
  date: Date;
  headers: Record<string, string>;
  /**
   * Try the backup relay first, when one is configured: an alert about failing deliveries
   * most likely concerns the primary.
   */
  preferBackup?: boolean;
};

/** A recipient the server refused while it took the message for the others. */
export type Refusal = { recipient: string; temporary: boolean; error: string };

/**
 * Expected failures come back as values saying whether another attempt makes sense. A
 * message accepted for some recipients only names the others in `refused`.
 */
export type SendResult = ({ ok: true; response: string; refused?: Refusal[] } | { ok: false; temporary: boolean; error: string }) & {
  /** Which relay took (or last refused) the message when a backup is configured. */
  relay?: Relay;
};

export type Relay = 'primary' | 'backup';

/** A test send's outcome with the SMTP conversation (credentials redacted) and, on failure, the fix in plain words. */
/** `hint` in English for the API and the CLI; `hintSaid` the same as catalogue keys, for the admin's page. */
export type MailTestResult = SendResult & { transcript: string[]; hint?: string; hintSaid?: Hint };

export interface Mailer {
  send(message: OutgoingMessage): Promise<SendResult>;
  /** One send on a fresh connection, recording the conversation (SMTP mailers; test doubles may lack it). */
  test?(message: OutgoingMessage): Promise<MailTestResult>;
  close(): void;
}
