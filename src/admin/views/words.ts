import type { DeliveryStatus } from '../../db/schema.ts';
import type { SubmissionStatus } from '../../db/submissions.ts';
import type { MessageKey, Translate } from '../../i18n/index.ts';

// Stored codes (statuses, spam reasons) in the reader's language.

export const submissionStatusWord = (t: Translate, status: SubmissionStatus) => t(`status.${status}` as MessageKey);

export const deliveryStatusWord = (t: Translate, status: DeliveryStatus) => t(`delivery.${status}` as MessageKey);

const REASONS = new Set(['honeypot', 'too_fast', 'bad_ticket', 'links', 'blocked_word', 'blocked_email_domain', 'blocked_ip']);

/** Why a submission is in spam, for people: "too many links; contains a blocked word". Older free-text reasons show as stored. */
export const spamReasonWords = (t: Translate, reasons: readonly string[] = []) =>
  reasons.map((reason) => (REASONS.has(reason) ? t(`reason.${reason}` as MessageKey) : reason)).join(t('list.separator'));

const CHANNELS = new Set(['email', 'webhook', 'autoreply', 'alert']);

/** A delivery's channel for people; a channel newer than this list shows as stored. */
export const channelWord = (t: Translate, channel: string) => (CHANNELS.has(channel) ? t(`channel.${channel}` as MessageKey) : channel);
