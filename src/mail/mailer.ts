/** The port every mail transport implements; the outbox knows nothing else about SMTP. */
export type OutgoingMessage = {
  from: string;
  to: string[];
  replyTo?: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: Record<string, string>;
};

/** Expected failures come back as values saying whether another attempt makes sense. */
export type SendResult = { ok: true; response: string } | { ok: false; temporary: boolean; error: string };

export interface Mailer {
  send(message: OutgoingMessage): Promise<SendResult>;
  close(): void;
}
