import { createHmac } from 'node:crypto';

/**
 * Builds the `Message-ID` of each email delivery: `<herald.{deliveryId}.{tag}@{domain}>`.
 *
 * The delivery id makes it stable, so a resend after a crash is recognisably the same message and
 * later mails can point at it (`In-Reply-To`/`References`) without storing anything. The tag, derived
 * from the installation's secret, keeps two installations sending from one domain (staging and
 * production) from minting equal ids — Gmail silently drops a second message with a known id.
 */
export function messageIdFactory(
  secret: string,
  senderAddress: string,
): (deliveryId: number) => string {
  const tag = createHmac('sha256', secret).update('herald/message-id').digest('hex').slice(0, 12);
  const domain = domainOf(senderAddress);
  return (deliveryId) => `<herald.${deliveryId}.${tag}@${domain}>`;
}

/** The sender's domain, reduced to the characters a msg-id allows; `localhost` when none is usable. */
function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = at < 0 ? '' : address.slice(at + 1).toLowerCase();
  return /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/.test(domain) ? domain : 'localhost';
}
