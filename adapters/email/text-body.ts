import type { EmailView } from './email-view.js';

/** The plain-text part: the same facts as the HTML part, aligned for monospace readers. */
export function textBody(view: EmailView): string {
  const width = Math.max(...view.facts.map(([label]) => label.length)) + 2;
  const lines = [view.heading, '', view.lead];
  if (view.body) {
    lines.push('');
    if (view.bodyLabel) lines.push(`${view.bodyLabel}:`);
    lines.push(...view.body.split('\n').map((line) => (line === '' ? '' : `  ${line}`)));
  }
  lines.push('', ...view.facts.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`));
  if (view.summary) lines.push('', 'What this means for you:', view.summary);
  if (view.viewUrl) lines.push('', `View incident: ${view.viewUrl}`);
  lines.push('', '-- ', view.reason);
  if (view.unsubscribeUrl) lines.push(`Unsubscribe from this incident: ${view.unsubscribeUrl}`);
  return `${lines.join('\n')}\n`;
}
