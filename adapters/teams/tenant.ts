import type { Activity } from 'botbuilder';

/** Teams puts the tenant in `channelData.tenant.id`, and usually in the conversation as well. */
export function channelDataTenant(activity: Partial<Activity>): string | undefined {
  const channelData = activity.channelData as { tenant?: { id?: unknown } } | undefined;
  return typeof channelData?.tenant?.id === 'string' ? channelData.tenant.id : undefined;
}

/** Every tenant an activity names, in lower case (tenant ids are GUIDs, case is not part of them). */
export function claimedTenants(activity: Partial<Activity>): string[] {
  const ids = [channelDataTenant(activity), activity.conversation?.tenantId]
    .filter((id): id is string => typeof id === 'string' && id !== '')
    .map((id) => id.toLowerCase());
  return [...new Set(ids)];
}

/**
 * The one tenant an activity is from, or null when it names none, or two that differ (Teams never
 * sends that: the activity is not one to believe).
 */
export function activityTenant(activity: Partial<Activity>): string | null {
  const ids = claimedTenants(activity);
  return ids.length === 1 ? (ids[0] ?? null) : null;
}

/** Whether an activity is from `tenantId` (lower case), the one tenant Herald serves. */
export const isFromTenant = (activity: Partial<Activity>, tenantId: string): boolean =>
  activityTenant(activity) === tenantId;
