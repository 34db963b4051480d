import { createHash } from 'node:crypto';
import { requirePermission } from '../access.js';
import type { Incident, Person, Severity } from '../domain/types.js';
import type { Store } from '../ports.js';
import { clipText, textLength } from '../text/clip-text.js';
import { cleanText } from '../text/inert-text.js';
import type { ActionContext } from './context.js';
import { declareIncident } from './declare-incident.js';
import { postStatusUpdate } from './post-status-update.js';
import { resolveIncident } from './resolve-incident.js';
import { MAX } from './validate.js';

/** One alert of an Alertmanager group notification (webhook version 4), as the core needs it. */
export interface Alert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  fingerprint: string;
}

/** One Alertmanager group notification, validated by the HTTP door. */
export interface AlertmanagerPayload {
  groupKey: string;
  status: 'firing' | 'resolved';
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  alerts: Alert[];
}

/** What a notification did, for the response and the tests. */
export type AlertmanagerAction = 'declared' | 'updated' | 'unchanged' | 'resolved' | 'ignored';

/** A text Herald derived from the payload and cut to the core's limit: which, how long, the limit. */
export interface Truncation {
  field: 'title' | 'summary' | 'service' | 'text';
  length: number;
  max: number;
}

/**
 * The core's limits (`validate.ts`) on what Herald derives. Alertmanager never retries a 4xx, so a
 * derived text over a limit is cut rather than refused: the payload was valid, the text is ours.
 */
const LIMITS = { title: MAX.title, summary: MAX.text, service: MAX.service, text: MAX.text };

/** `commonLabels.severity` → Herald's scale; anything unknown is the lowest. */
export function severityOf(label: string | undefined): Severity {
  switch (label?.trim().toLowerCase()) {
    case 'critical':
      return 'SEV1';
    case 'error':
    case 'major':
      return 'SEV2';
    case 'warning':
      return 'SEV3';
    default:
      return 'SEV4';
  }
}

/**
 * The external key of a group's `generation`-th incident. A readable group key is kept as is;
 * a long or odd one (whitespace the core would trim, control characters) is hashed. Generations
 * after the first get a suffix, so a group firing again after its incident was resolved opens a
 * new incident instead of finding the resolved one.
 */
export function groupIncidentKey(groupKey: string, generation: number): string {
  const readable =
    groupKey.length <= 150 && /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(groupKey);
  const base = `alertmanager:${readable ? groupKey : `sha256:${sha256(groupKey)}`}`;
  return generation === 1 ? base : `${base}#${generation}`;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Per group: the generation last used and the fingerprints firing when we last looked. */
interface GroupState {
  generation: number;
  firing: string[];
}

const stateKey = (groupKey: string) => `alertmanager.group.${sha256(groupKey)}`;

async function readState(store: Store, groupKey: string): Promise<GroupState> {
  const raw = await store.settings.get(stateKey(groupKey));
  if (raw === null) return { generation: 1, firing: [] };
  const parsed = JSON.parse(raw) as Partial<GroupState>;
  return { generation: parsed.generation ?? 1, firing: parsed.firing ?? [] };
}

/** The group's open incident, walking past generations already resolved; or the next free one. */
async function currentIncident(
  store: Store,
  groupKey: string,
  from: number,
): Promise<{ generation: number; incident: Incident | null }> {
  for (let generation = from; ; generation += 1) {
    const incident = await store.incidents.byExternalKey(groupIncidentKey(groupKey, generation));
    if (!incident || incident.status === 'open') return { generation, incident };
  }
}

/** As the core will read it: controls and bidi overrides dropped, whitespace collapsed. */
const oneLine = (s: string | undefined) =>
  cleanText(s ?? '')
    .replace(/\s+/g, ' ')
    .trim();
const block = (s: string | undefined) => cleanText(s ?? '').trim();

/** Cuts derived texts to the core's limits, keeping a note of each cut. */
class Fitter {
  readonly cuts: Truncation[] = [];
  fit(field: Truncation['field'], text: string): string {
    const max = LIMITS[field];
    const length = textLength(text);
    if (length <= max) return text;
    this.cuts.push({ field, length, max });
    return clipText(text, max);
  }
}
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const firingSet = (p: AlertmanagerPayload) =>
  [...new Set(p.alerts.filter((a) => a.status === 'firing').map((a) => a.fingerprint))].sort();
const alertName = (a: Alert) =>
  oneLine(
    `${a.labels.alertname ?? a.fingerprint}${a.labels.instance ? ` on ${a.labels.instance}` : ''}`,
  );

function changeText(p: AlertmanagerPayload, before: readonly string[], now: readonly string[]) {
  const started = p.alerts.filter((a) => a.status === 'firing' && !before.includes(a.fingerprint));
  const stopped = before.filter((f) => !now.includes(f)).length;
  const names = started.slice(0, 10).map(alertName).join(', ');
  return `Alertmanager: ${plural(now.length, 'alert')} firing now (${started.length} started, ${stopped} stopped).${names ? ` Started: ${names}.` : ''}`;
}

/**
 * Applies one Alertmanager notification: one incident per `groupKey`. `firing` declares the
 * group's incident (source `alertmanager`) or, when it is open, adds an internal update if the set
 * of firing alerts changed; `resolved` resolves it once. A resolved notification for a group with
 * no open incident does nothing, and a firing after resolution opens a new incident. Everything
 * runs in one transaction, so a notification and its redelivery cannot both act.
 *
 * Texts Herald derives (title, summary, service, update text) are cut to the core's limits with
 * "…" rather than refused; each cut is in the audit log (`alertmanager.truncated`) and in
 * `truncated`, for the door to log.
 */
export async function receiveAlertmanager(
  ctx: ActionContext,
  actor: Person,
  p: AlertmanagerPayload,
): Promise<{ action: AlertmanagerAction; incident: Incident | null; truncated: Truncation[] }> {
  requirePermission(actor, 'declare');
  const { store, clock } = ctx;
  return store.transaction(async () => {
    // Replicas receiving the same group at once take turns: the group's state is read and
    // written by one of them at a time.
    await store.lock(`alertmanager:${p.groupKey}`);
    const state = await readState(store, p.groupKey);
    const { generation, incident } = await currentIncident(store, p.groupKey, state.generation);
    const save = (firing: string[]) =>
      store.settings.set(stateKey(p.groupKey), JSON.stringify({ generation, firing }));
    const fitter = new Fitter();
    const recordCuts = async (incidentId: number) => {
      if (fitter.cuts.length === 0) return;
      await store.audit.record(
        {
          actorId: actor.id,
          action: 'alertmanager.truncated',
          incidentId,
          detail: { groupKey: p.groupKey, cut: fitter.cuts },
        },
        clock.now(),
      );
    };

    if (p.status === 'resolved') {
      if (!incident) return { action: 'ignored', incident: null, truncated: [] };
      const resolvedCount = p.alerts.filter((a) => a.status === 'resolved').length;
      const note = `Resolved by Alertmanager: ${plural(resolvedCount, 'alert')} resolved`;
      const r = await resolveIncident(ctx, actor, { incidentId: incident.id, note });
      await save([]);
      return { action: 'resolved', incident: r.incident, truncated: [] };
    }

    const firing = firingSet(p);
    if (incident) {
      // A state from another generation (lost settings) counts as a change: say what fires now.
      const before = state.generation === generation ? state.firing : [];
      if (before.length === firing.length && before.every((f, i) => f === firing[i])) {
        return { action: 'unchanged', incident, truncated: [] };
      }
      await postStatusUpdate(ctx, actor, {
        incidentId: incident.id,
        text: fitter.fit('text', changeText(p, before, firing)),
        notifyStakeholders: false,
      });
      await recordCuts(incident.id);
      await save(firing);
      return { action: 'updated', incident, truncated: fitter.cuts };
    }

    const first = p.alerts[0]?.labels ?? {};
    const title =
      oneLine(p.commonAnnotations.summary) ||
      oneLine(p.commonLabels.alertname ?? p.groupLabels.alertname ?? first.alertname) ||
      'Alertmanager alert';
    const service = oneLine(p.commonLabels.service ?? p.commonLabels.job);
    const declared = await declareIncident(ctx, actor, {
      title: fitter.fit('title', title),
      summary: fitter.fit('summary', block(p.commonAnnotations.description)),
      severity: severityOf(p.commonLabels.severity),
      service: service ? fitter.fit('service', service) : null,
      source: 'alertmanager',
      externalKey: groupIncidentKey(p.groupKey, generation),
    });
    await recordCuts(declared.incident.id);
    await save(firing);
    return { action: 'declared', incident: declared.incident, truncated: fitter.cuts };
  });
}
