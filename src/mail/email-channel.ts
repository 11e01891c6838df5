import type { Deps } from '../deps.ts';
import type { ChannelSender } from './channel.ts';
import type { Mailer } from './mailer.ts';
import { renderNotification } from './render.ts';

/** The owner's notification by email: rendered from the stored submission, sent through the mailer port. */
export function emailChannel(deps: Pick<Deps, 'config' | 'log'>, mailer: Mailer): ChannelSender {
  return {
    async send(delivery, source, addressed) {
      let message;
      try {
        message = renderNotification({
          form: { ...source.form, recipients: addressed },
          submission: source.submission,
          messageId: delivery.messageId,
          mailFrom: deps.config.mailFrom,
          publicUrl: deps.config.publicUrl,
        });
      } catch (error) {
        // A message that cannot be rendered fails alone and visibly, not its whole chunk.
        deps.log.error('notification not rendered', { deliveryId: delivery.id, error: String(error) });
        return { ok: false, temporary: false, error: `could not render the message: ${String(error)}` };
      }
      // A single relay is the primary; a failover mailer names the one that took the message.
      return { relay: 'primary', ...(await mailer.send(message)) };
    },
  };
}
