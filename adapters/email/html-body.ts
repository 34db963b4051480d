import type { EmailView } from './email-view.js';
import { escapeHtml, escapeMultiline } from '../html.js';

// Inline styles and nested tables only: Outlook and Gmail drop <style> blocks and most layout
// CSS. No images at all, so nothing is blocked and nothing is fetched from elsewhere.
const FONT = 'font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;';
const MUTED = '#626f86';
const INK = '#172b4d';

/**
 * The HTML part. Every piece of user text (title, summary, update, names, service) goes through
 * `escapeHtml`, so it can never become a tag or a link.
 */
export function htmlBody(view: EmailView): string {
  const facts = view.facts
    .map(
      ([label, value]) =>
        `<tr><td style="padding:3px 16px 3px 0;color:${MUTED};font-size:13px;white-space:nowrap;vertical-align:top;">${escapeHtml(label)}</td>` +
        `<td style="padding:3px 0;color:${INK};font-size:13px;">${escapeHtml(value)}</td></tr>`,
    )
    .join('\n');
  const body = view.body
    ? `<tr><td style="padding:4px 24px 12px;${FONT}color:${INK};font-size:15px;line-height:22px;">` +
      (view.bodyLabel
        ? `<div style="color:${MUTED};font-size:13px;margin:0 0 4px;">${escapeHtml(view.bodyLabel)}</div>`
        : '') +
      `<div style="border-left:3px solid ${view.accent};padding:2px 0 2px 12px;">${escapeMultiline(view.body)}</div></td></tr>`
    : '';
  const summary = view.summary
    ? `<tr><td style="padding:4px 24px 16px;${FONT}">` +
      `<div style="background-color:#f7f8f9;border-radius:4px;padding:12px 14px;color:${INK};font-size:14px;line-height:20px;">` +
      `<div style="color:${MUTED};font-size:12px;font-weight:bold;text-transform:uppercase;letter-spacing:0.5px;margin:0 0 4px;">What this means for you</div>` +
      `${escapeMultiline(view.summary)}</div></td></tr>`
    : '';
  const viewLink = view.viewUrl
    ? `<tr><td style="padding:0 24px 20px;${FONT}">` +
      `<a href="${escapeHtml(view.viewUrl)}" style="display:inline-block;padding:10px 18px;border-radius:4px;background-color:#0c66e4;color:#ffffff;font-size:15px;font-weight:bold;text-decoration:none;">View incident</a></td></tr>`
    : '';
  const unsubscribe = view.unsubscribeUrl
    ? `<br><a href="${escapeHtml(view.unsubscribeUrl)}" style="color:${MUTED};text-decoration:underline;">Unsubscribe from this incident</a>`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>${escapeHtml(view.subject)}</title>
</head>
<body style="margin:0;padding:0;background-color:#f1f2f4;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f1f2f4;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background-color:#ffffff;border:1px solid #dcdfe4;border-radius:6px;">
<tr><td style="padding:20px 24px 4px;${FONT}">
<span style="display:inline-block;padding:2px 8px;border-radius:3px;background-color:${view.accent};color:#ffffff;font-size:12px;font-weight:bold;letter-spacing:0.3px;">${escapeHtml(view.label)}</span>
<h1 style="margin:10px 0 0;color:${INK};font-size:20px;line-height:26px;font-weight:bold;">${escapeHtml(view.heading)}</h1>
</td></tr>
<tr><td style="padding:12px 24px 8px;${FONT}color:${INK};font-size:15px;line-height:22px;">${escapeHtml(view.lead)}</td></tr>
${body}
<tr><td style="padding:4px 24px 16px;${FONT}">
<table role="presentation" cellpadding="0" cellspacing="0" border="0">
${facts}
</table>
</td></tr>
${summary}
${viewLink}
<tr><td style="padding:14px 24px 20px;border-top:1px solid #dcdfe4;${FONT}color:${MUTED};font-size:12px;line-height:18px;">${escapeHtml(view.reason)}${unsubscribe}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}
