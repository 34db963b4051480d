/**
 * The web door: the stakeholder pages a signed link in every message opens (PRODUCT §6). Always
 * on — links in messages already sent must keep working — and sending "new link" mails when
 * `SMTP_URL` is set.
 */
import type { DoorFactory } from '../door.js';
import { smtpLinkMailer } from './link-mailer.js';
import { mountWeb } from './routes.js';

export const createWebDoor: DoorFactory = ({ config, ctx, logger, secret, incidentLink }) => {
  const log = logger.child({ door: 'web' });
  const mailer = config.email
    ? smtpLinkMailer({
        smtpUrl: config.email.smtpUrl,
        from: config.email.from,
        linkOf: incidentLink,
        logger: log,
      })
    : null;
  return {
    name: 'web',
    mount(app) {
      mountWeb(app, {
        ctx,
        secret,
        secure: new URL(config.publicUrl).protocol === 'https:',
        logger: log,
        sendLinks: mailer ? (links) => mailer.send(links) : null,
      });
    },
    async stop() {
      await mailer?.close();
    },
  };
};
