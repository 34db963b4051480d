/**
 * The email door: the SMTP messenger (when `SMTP_URL` is set) and the one-click unsubscribe pages
 * (always — links in mails already sent must keep working after SMTP is turned off).
 */
import type { DoorFactory } from '../door.js';
import { EmailMessenger } from './email-messenger.js';
import { mountUnsubscribe } from './unsubscribe-routes.js';

/** Builds the email door. Never `null`: the unsubscribe routes are always mounted. */
export const createEmailDoor: DoorFactory = ({ config, ctx, logger, secret, incidentLink }) => {
  const messenger = config.email
    ? new EmailMessenger({
        smtpUrl: config.email.smtpUrl,
        from: config.email.from,
        publicUrl: config.publicUrl,
        secret,
        incidentLink,
        rate: {
          perSecond: config.email.maxPerSecond,
          burst: Math.max(1, Math.ceil(config.email.maxPerSecond)),
        },
      })
    : undefined;
  return {
    name: 'email',
    ...(messenger ? { messenger } : {}),
    mount(app) {
      mountUnsubscribe(app, { ctx, secret, logger: logger.child({ adapter: 'email' }) });
    },
    async stop() {
      await messenger?.close();
    },
  };
};
