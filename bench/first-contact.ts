import type { Ledger } from './emulators/ledger.js';
import type { SlackEmulator } from './emulators/slack.js';
import { waitForEvent, type EventFigures } from './events.js';
import type { OutboxReader, Reconciliation } from './outbox.js';
import { FIRST_CONTACT_TEAM, SLACK_STAKEHOLDER_PREFIX } from './seed.js';

export interface FirstContactFigures {
  /** Slack users in the audience: known to Herald by id, never messaged. */
  users: number;
  /** The audience's Slack profiles Herald had stored, and their DMs open, before the fan-out. */
  profilesBefore: number;
  dmsBefore: number;
  /** DM channels open after it (a `chat.postMessage` to a user id opens the app's DM). */
  dmsAfter: number;
  event: EventFigures;
  reconciliation: Reconciliation;
  /** Web API calls during the fan-out, by method, refused ones included. */
  calls: Record<string, number>;
  /** Requests sent into a running `Retry-After`, Slack, during the fan-out. */
  violations: number;
  cpuSeconds: number;
  /** Of those, the main threads' (the event loops'). */
  mainThreadCpuSeconds: number;
  /** Event-loop wake-ups of the Herald processes meanwhile. */
  wakeups: number;
}

const slackViolations = (ledger: Ledger): number =>
  Object.entries(ledger.violations)
    .filter(([what]) => what.startsWith('slack '))
    .reduce((sum, [, n]) => sum + n, 0);

/**
 * The first-contact fan-out: an incident subscribes the team of every Slack-only person, none of
 * whom Herald has messaged, looked up or opened a DM with; the Slack emulator at Slack's real tiers
 * (`conversations.open` Tier 3, `users.info` Tier 4: a call per person would pace the fan-out at
 * 50 or 100 a minute). Runs before any other incident, so the audience is new to Herald.
 */
export async function runFirstContact(opts: {
  slack: SlackEmulator;
  ledger: Ledger;
  outbox: OutboxReader;
  users: number;
  command: (text: string) => Promise<{ postedAt: number; reply: () => Promise<string> }>;
  deadlineFor: (postedAt: number) => number;
  cpuSeconds: () => number;
  mainThreadCpuSeconds: () => number;
  wakeups: () => number;
}): Promise<FirstContactFigures> {
  const { slack, ledger, outbox } = opts;
  const profilesBefore = await outbox.storedSlackProfiles(SLACK_STAKEHOLDER_PREFIX);
  const audience = (dm: string) => dm.startsWith(`D${SLACK_STAKEHOLDER_PREFIX}`);
  const dmsBefore = [...slack.dms].filter(audience).length;
  const callsBefore = { ...slack.calls };
  const violationsBefore = slackViolations(ledger);
  const declared = await opts.command('new Bench: first contact with every Slack stakeholder');
  const incident = Number(/#(\d+)/.exec(await declared.reply())?.[1]);
  if (!incident) throw new Error('could not read the first-contact incident number');
  const cpuBefore = opts.cpuSeconds();
  const mainBefore = opts.mainThreadCpuSeconds();
  const wakeupsBefore = opts.wakeups();
  const subscribe = await opts.command(`subscribe ${incident} team:${FIRST_CONTACT_TEAM}`);
  await subscribe.reply();
  const event = await waitForEvent(
    outbox,
    ledger,
    incident,
    'subscribed',
    subscribe.postedAt,
    opts.deadlineFor(subscribe.postedAt),
  );
  const cpuSeconds = opts.cpuSeconds() - cpuBefore;
  const mainThreadCpuSeconds = opts.mainThreadCpuSeconds() - mainBefore;
  const wakeups = opts.wakeups() - wakeupsBefore;
  const calls = Object.fromEntries(
    Object.entries(slack.calls)
      .map(([method, n]) => [method, n - (callsBefore[method] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );
  console.error(
    `bench: first contact: last of ${opts.users} Slack DMs after ${(event.lastDeliveryMs / 1000).toFixed(1)} s`,
  );
  return {
    users: opts.users,
    profilesBefore,
    dmsBefore,
    dmsAfter: [...slack.dms].filter(audience).length,
    event,
    reconciliation: await outbox.reconcile(ledger, incident),
    calls,
    violations: slackViolations(ledger) - violationsBefore,
    cpuSeconds,
    mainThreadCpuSeconds,
    wakeups,
  };
}
