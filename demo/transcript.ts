/** One thing a stakeholder received, as the emulator saw it arrive. */
export interface Received {
  who: string;
  channel: 'slack' | 'teams' | 'email';
  /** One line for the terminal. */
  line: string;
  /** For the HTML transcript: Slack blocks, an Adaptive Card, or an email's HTML part. */
  body:
    | { kind: 'slack'; blocks: unknown }
    | { kind: 'teams'; card: unknown; text: string }
    | { kind: 'email'; subject: string; html: string };
}

/** One step of the story: what was typed, what Herald answered, what arrived where. */
export interface Step {
  actor: string;
  surface: 'Slack' | 'Teams';
  input: string;
  reply: string;
  received: Received[];
}

/** Per stakeholder and channel: how many of each kind of message arrived. */
export interface Row {
  who: string;
  channel: string;
  subscribed: number;
  updates: number;
  resolved: number;
}

export function formatTable(rows: readonly Row[]): string {
  const head = ['stakeholder', 'channel', 'subscribed', 'updates', 'resolved'];
  const cells = rows.map((r) => [
    r.who,
    r.channel,
    String(r.subscribed),
    String(r.updates),
    String(r.resolved),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(widths[i]!)).join('  ');
  return [line(head), line(widths.map((w) => '─'.repeat(w))), ...cells.map(line)].join('\n');
}
