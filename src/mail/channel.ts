import type { Delivery, Form, Submission } from '../db/schema.ts';
import type { Deps } from '../deps.ts';
import { autoReplyChannel } from './auto-reply.ts';
import { emailChannel } from './email-channel.ts';
import type { SendResult } from './mailer.ts';
import { webhookChannel } from './webhook-channel.ts';

/** What a delivery is made from: the submission as stored and its form as it is now. */
export type Source = { form: Form; submission: Submission };

/**
 * One way a delivery leaves the server. The outbox claims, leases, retries and records alike
 * for every channel; a channel only turns a delivery into one attempt and says how it went
 * (a temporary failure is retried on the schedule, a permanent one fails the delivery).
 */
export type ChannelSender = {
  send(delivery: Delivery, source: Source, addressed: string[]): Promise<SendResult>;
};

export type Channels = Record<Delivery['channel'], ChannelSender>;

/** Without SMTP, deliveries by mail stay `held` (never claimed); webhooks go out regardless. */
export const channelsFor = (deps: Deps): Partial<Channels> => ({
  webhook: webhookChannel(deps),
  ...(deps.mailer && { email: emailChannel(deps, deps.mailer), autoreply: autoReplyChannel(deps, deps.mailer) }),
});
