import { z } from 'zod';

const labels = z.record(z.string(), z.string());

/**
 * Alertmanager's webhook payload, version 4. Not strict: Alertmanager adds fields across releases
 * (`truncatedAlerts`, `generatorURL`), and refusing them would drop real alerts.
 */
export const alertmanagerPayload = z.object({
  version: z.literal('4'),
  groupKey: z.string().min(1),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labels,
  commonLabels: labels,
  commonAnnotations: labels,
  externalURL: z.string(),
  alerts: z.array(
    z.object({
      status: z.enum(['firing', 'resolved']),
      labels,
      annotations: labels,
      startsAt: z.string(),
      endsAt: z.string(),
      generatorURL: z.string().optional(),
      fingerprint: z.string().min(1),
    }),
  ),
});
