import { escapeHtml } from '../html.js';

/** What a page says about the incident: its number and, when it still exists, its title. */
export interface PageIncident {
  id: number;
  title: string | null;
}

const name = (incident: PageIncident) =>
  escapeHtml(`#${incident.id}${incident.title ? ` ${incident.title}` : ''}`);

/** Asks before unsubscribing: link scanners and previews GET every link in a mail. */
export function confirmPage(incident: PageIncident, token: string): string {
  return layout(
    'Unsubscribe?',
    `<p>Stop notifications about incident <strong>${name(incident)}</strong>?</p>
<p>You will get no more messages about this incident, by email or chat. Other incidents are not affected.</p>
<form method="post" action="?token=${escapeHtml(encodeURIComponent(token))}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit" style="font:inherit;font-weight:bold;padding:10px 18px;border:0;border-radius:4px;background:#0c66e4;color:#ffffff;cursor:pointer;">Unsubscribe</button>
</form>`,
  );
}

/** After unsubscribing — also for a second click: the outcome is the same. */
export function donePage(incident: PageIncident): string {
  return layout(
    'Unsubscribed',
    `<p>You are unsubscribed from incident <strong>${name(incident)}</strong>.</p>
<p>You will get no more messages about it. Other incidents are not affected.</p>`,
  );
}

/** A token that is malformed, tampered with or signed with another key. */
export function invalidLinkPage(): string {
  return layout(
    'Invalid link',
    `<p>This unsubscribe link is not valid. Please use the link from the most recent email, unchanged.</p>`,
  );
}

/** A genuine token whose person or incident no longer exists. */
export function goneLinkPage(): string {
  return layout(
    'Link no longer valid',
    '<p>This unsubscribe link no longer points to a known incident.</p>',
  );
}

/** Anything unexpected: nothing to escape, nothing revealed. */
export function errorPage(): string {
  return layout('Something went wrong', '<p>Please try again in a moment.</p>');
}

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · Herald</title>
</head>
<body style="margin:0;padding:40px 16px;background:#f1f2f4;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#172b4d;font-size:16px;line-height:24px;">
<main style="max-width:520px;margin:0 auto;background:#ffffff;border:1px solid #dcdfe4;border-radius:6px;padding:24px 28px;">
<h1 style="margin:0 0 12px;font-size:22px;line-height:28px;">${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}
