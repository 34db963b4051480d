import type { Received, Row, Step } from './transcript.js';

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Slack's escaping undone, then HTML's applied; `*bold*` shown as bold, as Slack would. */
const slackText = (s: string) =>
  esc(s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'))
    .replace(/\*([^*\n]+)\*/g, '<b>$1</b>')
    .replace(/\n/g, '<br>');

type Block = {
  type?: string;
  text?: { text?: string };
  fields?: Array<{ text?: string }>;
  elements?: Array<{ text?: string }>;
};

function slackBlocks(blocks: unknown): string {
  return (Array.isArray(blocks) ? (blocks as Block[]) : [])
    .map((b) => {
      if (b.type === 'header')
        return `<div class="s-header">${slackText(b.text?.text ?? '')}</div>`;
      if (b.type === 'section' && b.fields)
        return `<div class="s-fields">${b.fields.map((f) => `<div>${slackText(f.text ?? '')}</div>`).join('')}</div>`;
      if (b.type === 'section')
        return `<div class="s-section">${slackText(b.text?.text ?? '')}</div>`;
      if (b.type === 'context')
        return `<div class="s-context">${(b.elements ?? []).map((e) => slackText(e.text ?? '')).join(' ')}</div>`;
      return '';
    })
    .join('');
}

type CardNode = {
  type?: string;
  text?: string;
  facts?: Array<{ title?: string; value?: string }>;
  items?: CardNode[];
  body?: CardNode[];
  columns?: CardNode[];
  weight?: string;
  size?: string;
};

/** Adaptive Card elements as Teams would lay them out, roughly: text blocks, fact sets, containers. */
function cardNodes(nodes: CardNode[] | undefined): string {
  return (nodes ?? [])
    .map((n) => {
      // Card text is markdown with user text backslash-escaped: show it as it reads.
      const text = (t: string) =>
        esc(t.replace(/\\([\\`*_{}[\]()#+\-.!<>|~])/g, '$1').replace(/\u200b/g, ''))
          .replace(/\*\*([^*]+)\*\*/g, '<b>$1</b>')
          .replace(/\n/g, '<br>');
      if (n.type === 'TextBlock')
        return `<div class="t-text${n.weight === 'Bolder' ? ' t-bold' : ''}${n.size === 'Large' || n.size === 'Medium' ? ' t-big' : ''}">${text(n.text ?? '')}</div>`;
      if (n.type === 'FactSet')
        return `<table class="t-facts">${(n.facts ?? []).map((f) => `<tr><th>${text(f.title ?? '')}</th><td>${text(f.value ?? '')}</td></tr>`).join('')}</table>`;
      if (n.type === 'ColumnSet')
        return `<div class="t-cols">${(n.columns ?? []).map((c) => `<div>${cardNodes(c.items)}</div>`).join('')}</div>`;
      if (n.type === 'Container' || n.type === 'Column') return cardNodes(n.items);
      return '';
    })
    .join('');
}

function message(r: Received): string {
  const head = `<div class="to">${esc(r.who)} · ${r.channel === 'slack' ? 'Slack DM' : r.channel === 'teams' ? 'Teams DM' : 'email'}</div>`;
  if (r.body.kind === 'slack')
    return `<div class="msg slack">${head}${slackBlocks(r.body.blocks)}</div>`;
  if (r.body.kind === 'teams') {
    const card = r.body.card as { body?: CardNode[] } | undefined;
    return `<div class="msg teams">${head}${card ? `<div class="card">${cardNodes(card.body)}</div>` : `<div>${esc(r.body.text)}</div>`}</div>`;
  }
  // The email's own HTML, shown in a sandbox that runs no script and loads nothing.
  return `<div class="msg email">${head}<div class="subject">${esc(r.body.subject)}</div><iframe sandbox="" srcdoc="${esc(r.body.html)}"></iframe></div>`;
}

/** A self-contained page: each step's command, Herald's reply, and every message as it would look. */
export function renderHtml(steps: readonly Step[], table: readonly Row[]): string {
  const body = steps
    .map(
      (
        s,
      ) => `<section><div class="cmd"><span class="actor">${esc(s.actor)} · ${s.surface}</span><code>${esc(s.input)}</code></div>
<div class="reply">${esc(s.reply).replace(/\n/g, '<br>')}</div>${s.received.map(message).join('')}</section>`,
    )
    .join('\n');
  const rows = table
    .map(
      (r) =>
        `<tr><td>${esc(r.who)}</td><td>${r.channel}</td><td>${r.subscribed}</td><td>${r.updates}</td><td>${r.resolved}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Herald demo transcript</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'">
<style>
body{font:14px/1.45 system-ui,sans-serif;max-width:860px;margin:2em auto;color:#1d1d1f;background:#fafafa}
section{background:#fff;border:1px solid #e3e3e3;border-radius:8px;padding:12px 16px;margin:14px 0}
.cmd code{background:#f3f0ff;padding:2px 6px;border-radius:4px}.actor{color:#666;margin-right:8px}
.reply{margin:8px 0;color:#2b6b2b}.msg{border-left:4px solid #999;padding:6px 10px;margin:10px 0;background:#fcfcfc}
.slack{border-color:#4a154b}.teams{border-color:#5b5fc7}.email{border-color:#c77b00}.to{font-size:12px;color:#666;margin-bottom:4px}
.s-header,.t-big{font-weight:700;font-size:16px}.s-fields{display:grid;grid-template-columns:1fr 1fr;gap:4px;margin:6px 0}
.s-context{font-size:12px;color:#666}.t-bold{font-weight:700}.t-facts th{text-align:left;padding-right:12px;color:#555}
.t-cols{display:flex;gap:12px}.card{border:1px solid #ddd;border-radius:6px;padding:8px}
.subject{font-weight:600}iframe{width:100%;height:360px;border:1px solid #ddd;border-radius:4px;background:#fff}
table.sum{border-collapse:collapse}table.sum td,table.sum th{border:1px solid #ddd;padding:4px 10px}
</style></head><body><h1>Herald demo</h1>
<p>Declared from Slack, delivered to a Slack guest, two Teams users and an external email address.</p>
${body}
<h2>Who received what</h2><table class="sum"><tr><th>stakeholder</th><th>channel</th><th>subscribed</th><th>updates</th><th>resolved</th></tr>${rows}</table>
</body></html>`;
}
