import type { FakeMember } from './fake-connector.js';

export const BOT = { id: '28:herald-bot', name: 'Herald' };
/** The tenant of the users tests make: a directory (tenant) ID is a GUID. */
export const TENANT = '6f1b2c3d-0000-4000-8000-00000000aaaa';
/** Another organisation's tenant. */
export const OTHER_TENANT = '9e8d7c6b-0000-4000-8000-00000000bbbb';

/**
 * A Teams user in a personal chat with the bot: builds the activities Teams would post, with the
 * tenant of the member (`member.tenantId`) in the conversation and the channel data.
 */
export class TeamsUser {
  readonly conversationId: string;
  private seq = 0;
  constructor(
    readonly member: FakeMember,
    private readonly serviceUrl: string,
  ) {
    this.conversationId = `a:personal-${member.aadObjectId}`;
  }

  get tenantId(): string {
    return this.member.tenantId ?? TENANT;
  }

  activity(type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    this.seq += 1;
    return {
      type,
      id: `${this.member.aadObjectId}-${this.seq}`,
      timestamp: new Date().toISOString(),
      channelId: 'msteams',
      serviceUrl: this.serviceUrl,
      from: { id: this.member.id, name: this.member.name, aadObjectId: this.member.aadObjectId },
      recipient: BOT,
      conversation: {
        id: this.conversationId,
        conversationType: 'personal',
        tenantId: this.tenantId,
      },
      channelData: { tenant: { id: this.tenantId } },
      locale: 'en-US',
      ...extra,
    };
  }

  /** What Teams posts when the user adds the app: `installationUpdate` and `conversationUpdate`. */
  install(): Record<string, unknown>[] {
    return [
      this.activity('installationUpdate', { action: 'add' }),
      this.activity('conversationUpdate', { membersAdded: [{ id: BOT.id }] }),
    ];
  }

  uninstall(): Record<string, unknown> {
    return this.activity('installationUpdate', { action: 'remove' });
  }

  /** A message; `entities` as Teams sends them (a `mention` for each `<at>…</at>` in the text). */
  message(text: string, entities?: Array<Record<string, unknown>>): Record<string, unknown> {
    return this.activity('message', { text, textFormat: 'plain', ...(entities && { entities }) });
  }

  /** The mention entity Teams puts beside `<at>Name</at>` for this user; `aad` adds the Entra id. */
  mentionEntity(opts: { aad?: boolean; text?: string } = {}): Record<string, unknown> {
    const { id, name, aadObjectId } = this.member;
    return {
      type: 'mention',
      text: opts.text ?? `<at>${name}</at>`,
      mentioned: { id, name, ...(opts.aad && { aadObjectId }) },
    };
  }

  /** An `Action.Submit` from a card: a message with the action's data and inputs as `value`. */
  submit(value: Record<string, unknown>): Record<string, unknown> {
    return this.activity('message', { value });
  }
}
