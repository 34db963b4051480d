import {
  TurnContext,
  type Activity,
  type ConversationAccount,
  type ConversationReference,
} from 'botbuilder';
import { channelDataTenant } from './tenant.js';

/** What Herald keeps of a personal chat to write into it later (stored as JSON on the person). */
export type StoredReference = Partial<ConversationReference> & {
  conversation: ConversationAccount;
  serviceUrl: string;
};

/**
 * The reference of the conversation an activity came from, without the activity id: a proactive
 * message starts a new thread rather than answering an old message.
 */
export function referenceOf(activity: Partial<Activity>): StoredReference | null {
  const ref = TurnContext.getConversationReference(activity);
  delete ref.activityId;
  const { conversation, serviceUrl } = ref;
  if (!conversation?.id || !serviceUrl) return null;
  const tenantId = conversation.tenantId ?? channelDataTenant(activity);
  return {
    ...ref,
    conversation: { ...conversation, ...(tenantId ? { tenantId } : {}) },
    serviceUrl,
  };
}

/** The stored JSON back as a reference, or null when there is none or it is unusable. */
export function parseReference(json: string | null): StoredReference | null {
  if (!json) return null;
  try {
    const ref = JSON.parse(json) as Partial<StoredReference> | null;
    if (typeof ref?.conversation?.id !== 'string' || typeof ref.serviceUrl !== 'string')
      return null;
    return ref as StoredReference;
  } catch {
    return null;
  }
}
