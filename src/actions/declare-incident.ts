import { z } from 'zod';
import { requirePermission } from '../access.js';
import type { Incident, Person } from '../domain/types.js';
import { SEVERITIES, SOURCES } from '../domain/types.js';
import { applyRules, type AppliedRule } from './apply-rules.js';
import type { ActionContext } from './context.js';
import { MAX, optionalLongText, serviceName, title, validate } from './validate.js';

const input = z.object({
  title,
  summary: optionalLongText(MAX.text).default(''),
  severity: z.enum(SEVERITIES).default('SEV3'),
  service: serviceName.nullish().transform((s) => s ?? null),
  source: z.enum(SOURCES),
  externalKey: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .nullish()
    .transform((s) => s ?? null),
});

export type DeclareIncidentInput = z.input<typeof input>;

export interface DeclareResult {
  incident: Incident;
  created: boolean;
  /**
   * The auto-subscription rules that matched the new incident; absent on a replay, which applies
   * none (and keeps the replay's result exactly `{ incident, created: false }`).
   */
  rules?: AppliedRule[];
}

/**
 * Declares an incident and applies the auto-subscription rules that match it, in one transaction.
 * With an `externalKey` already used, returns that incident unchanged (`created: false`):
 * monitoring tools resend.
 */
export function declareIncident(
  ctx: ActionContext,
  actor: Person,
  raw: DeclareIncidentInput,
): DeclareResult {
  requirePermission(actor, 'declare');
  const data = validate(input, raw);
  const { store, clock } = ctx;
  const result = store.transaction((): DeclareResult => {
    if (data.externalKey) {
      const existing = store.incidents.byExternalKey(data.externalKey);
      if (existing) return { incident: existing, created: false };
    }
    const now = clock.now();
    const incident = store.incidents.create({ ...data, declaredBy: actor.id }, now);
    store.audit.record(
      {
        actorId: actor.id,
        action: 'incident.declared',
        incidentId: incident.id,
        detail: { source: data.source },
      },
      now,
    );
    return { incident, created: true, rules: applyRules(ctx, incident, now) };
  });
  if (result.rules?.some((r) => r.notified.eventId !== null)) ctx.onQueued();
  return result;
}
