/**
 * Sends "email me a new link" mails: one message listing each incident the reader follows with its
 * fresh personal link. Its own small SMTP transport (doors do not share code); the number of such
 * mails is bounded by the request limits (src/actions/request-new-link.ts), not by the delivery
 * engine, and a failure is logged, never shown (the page's answer is the same either way).
 */
import { createTransport, type Transporter } from 'nodemailer';
import type { NewLinks } from '../../src/actions/request-new-link.js';
import type { Logger } from '../../src/logger.js';
import type { IncidentLinker } from '../../src/stakeholder-link.js';
import { inertText } from '../../src/text/inert-text.js';
import { escapeHtml } from '../html.js';

export interface LinkMailer {
  send(links: NewLinks): void;
  close(): Promise<void>;
}

export const NEW_LINK_SUBJECT = 'Your links to Herald';

/** The mail: text and HTML parts; titles are user text, so link-free and escaped. */
export function renderLinkMail(
  links: NewLinks,
  linkOf: IncidentLinker,
): { text: string; html: string } {
  const items = links.incidents.map((i) => ({
    name: `#${i.id} ${inertText(i.title.replace(/\s+/g, ' '))}`,
    status: i.status === 'resolved' ? 'Resolved' : 'Open',
    url: linkOf({ personId: links.person.id, incidentId: i.id }),
  }));
  const text = [
    'Here are new links to the incidents you follow in Herald. Each one works for 30 days.',
    '',
    ...items.flatMap((i) => [`${i.name} (${i.status})`, `  View incident: ${i.url}`, '']),
    '-- ',
    'You receive this because someone asked Herald for new links for this address.',
    "If it wasn't you, you can ignore this message.",
    '',
  ].join('\n');
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${NEW_LINK_SUBJECT}</title></head>
<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#172b4d;">
<p>Here are new links to the incidents you follow in Herald. Each one works for 30 days.</p>
<ul>
${items
  .map(
    (i) =>
      `<li>${escapeHtml(i.name)} (${i.status}) — <a href="${escapeHtml(i.url)}">View incident</a></li>`,
  )
  .join('\n')}
</ul>
<p style="color:#626f86;font-size:12px;">You receive this because someone asked Herald for new links for this address. If it wasn't you, you can ignore this message.</p>
</body></html>
`;
  return { text, html };
}

export function smtpLinkMailer(opts: {
  smtpUrl: string;
  from: string;
  linkOf: IncidentLinker;
  logger: Logger;
}): LinkMailer {
  const transport: Transporter = createTransport({
    url: opts.smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const inFlight = new Set<Promise<unknown>>();
  return {
    send(links) {
      const { text, html } = renderLinkMail(links, opts.linkOf);
      const sending = transport
        .sendMail({
          from: opts.from,
          // The address alone: no display name (user text) in a header.
          to: { name: '', address: links.person.email },
          subject: NEW_LINK_SUBJECT,
          text,
          html,
          headers: { 'Auto-Submitted': 'auto-generated' },
        })
        .catch((err: unknown) =>
          opts.logger.warn({ err: (err as Error).message }, 'web: new-link mail failed'),
        )
        .finally(() => inFlight.delete(sending));
      inFlight.add(sending);
    },
    async close() {
      await Promise.allSettled([...inFlight]);
      transport.close();
    },
  };
}
