/**
 * `npm run demo`: Herald against loopback emulators of Slack, the Bot Framework and SMTP, playing
 * one incident from declaration to resolution. Prints a transcript and a per-person table and
 * writes an HTML transcript; leaves nothing running.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderHtml } from './html.js';
import { playDemo } from './scenario.js';
import { formatTable, type Step } from './transcript.js';

const out = resolve(process.argv[2] ?? 'data/demo/transcript.html');

function print(step: Step): void {
  console.log(`\n▶ ${step.actor} (${step.surface}): ${step.input}`);
  console.log(`  Herald: ${step.reply.replace(/\n+/g, '\n          ')}`);
  for (const r of step.received) {
    const where = r.channel === 'slack' ? 'Slack DM' : r.channel === 'teams' ? 'Teams DM' : 'email';
    console.log(`  → ${r.who} · ${where} · ${r.line.split('\n')[0]}`);
  }
}

try {
  const { steps, table } = await playDemo(print);
  console.log(`\nWho received what:\n${formatTable(table)}`);
  mkdirSync(resolve(out, '..'), { recursive: true });
  writeFileSync(out, renderHtml(steps, table));
  console.log(`\nHTML transcript: ${out}`);
} catch (err) {
  console.error(`demo failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
