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
 * Declares an incident (responders and admins) and applies the auto-subscription rules that match
 * it, in one transaction. With an `externalKey` already used, returns that incident unchanged
 * (`created: false`): monitoring tools resend, and replicas may receive the same alert at once.
 */
export async function declareIncident(
  ctx: ActionContext,
  actor: Person,
  raw: DeclareIncidentInput,
): Promise<DeclareResult> {
  requirePermission(actor, 'declare');
  const data = validate(input, raw);
  const { store, clock } = ctx;
  const result = await store.transaction(async (): Promise<DeclareResult> => {
    const now = clock.now();
    const { incident, created } = await store.incidents.create(
      { ...data, declaredBy: actor.id },
      now,
    );
    if (!created) return { incident, created: false };
    await store.audit.record(
      {
        actorId: actor.id,
        action: 'incident.declared',
        incidentId: incident.id,
        detail: { source: data.source },
      },
      now,
    );
    return { incident, created: true, rules: await applyRules(ctx, incident, now) };
  });
  if (result.rules?.some((r) => r.notified.eventId !== null)) ctx.onQueued();
  return result;
}
