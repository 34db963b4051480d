import type { AdminRef } from '../config.js';
import type { Person, Role } from '../domain/types.js';
import type { SlackProfile, TeamsProfile } from '../domain/targets.js';
import { HeraldError } from '../errors.js';
import type { Store } from '../ports.js';
import type { ActionContext } from './context.js';
import { email as emailSchema, validate } from './validate.js';

export type { SlackProfile, TeamsProfile } from '../domain/targets.js';

const isAdminRef = (
  refs: readonly AdminRef[],
  p: Pick<Person, 'email' | 'slackUserId' | 'teamsAadId'>,
) =>
  refs.some(
    (r) =>
      (r.kind === 'email' && p.email?.toLowerCase() === r.email) ||
      (r.kind === 'slack' && p.slackUserId === r.userId) ||
      (r.kind === 'teams' && p.teamsAadId === r.aadId),
  );

/** The role a person has unless an admin set one explicitly. */
function derivedRole(ctx: ActionContext, p: Person, platformRole: Role | null): Role {
  if (isAdminRef(ctx.admins, p)) return 'admin';
  if (platformRole) return platformRole;
  return p.role;
}

async function settleRole(
  ctx: ActionContext,
  p: Person,
  platformRole: Role | null,
): Promise<Person> {
  if (await ctx.store.people.isRoleExplicit(p.id)) return p;
  const role = derivedRole(ctx, p, platformRole);
  return role === p.role ? p : ctx.store.people.update(p.id, { role });
}

/** An email is linked to a person only when no one else holds it already. */
async function freeEmail(
  store: Store,
  email: string | null,
  self: number | null,
): Promise<string | null> {
  if (!email) return null;
  const holder = await store.people.byEmail(email);
  return holder && holder.id !== self ? null : email.toLowerCase();
}

/** The person behind a Slack user id, if Herald has met them. A read: nothing is created. */
export const personBySlackUser = (ctx: ActionContext, userId: string): Promise<Person | null> =>
  ctx.store.people.bySlackUserId(userId);

/** The person behind a Teams user (Entra ID object id), if Herald has met them. A read. */
export const personByTeamsUser = (ctx: ActionContext, aadId: string): Promise<Person | null> =>
  ctx.store.people.byTeamsAadId(aadId);

/**
 * Finds or creates the person behind a Slack user, linking by email to a person known from Teams
 * or email. Full members are responders under `RESPONDER_POLICY=members`; guests are stakeholders;
 * bots are refused.
 */
export function identifySlackUser(ctx: ActionContext, profile: SlackProfile): Promise<Person> {
  if (profile.isBot) return Promise.reject(new HeraldError('FORBIDDEN', 'Bots cannot use Herald.'));
  const { store, clock } = ctx;
  return store.transaction(async () => {
    const email = profile.email?.toLowerCase() ?? null;
    let person =
      (await store.people.bySlackUserId(profile.userId)) ??
      (email ? await store.people.byEmail(email) : null);
    if (!person) {
      person = await store.people.create(
        { displayName: profile.displayName, email, slackUserId: profile.userId },
        clock.now(),
      );
    } else {
      person = await store.people.update(person.id, {
        displayName: profile.displayName || person.displayName,
        slackUserId: profile.userId,
        email: (await freeEmail(store, email, person.id)) ?? person.email,
        slackReachable: !profile.deleted,
      });
    }
    const platformRole: Role =
      !profile.isGuest && ctx.responderPolicy === 'members' ? 'responder' : 'stakeholder';
    // Under `granted`, a member keeps whatever role they have; a guest is never more than a stakeholder.
    const role = ctx.responderPolicy === 'granted' && !profile.isGuest ? null : platformRole;
    return settleRole(ctx, person, role);
  });
}

/** Finds or creates the person behind a Teams user (stakeholder unless an admin), linking by email. */
export function identifyTeamsUser(ctx: ActionContext, profile: TeamsProfile): Promise<Person> {
  const { store, clock } = ctx;
  return store.transaction(async () => {
    const email = profile.email?.toLowerCase() ?? null;
    let person =
      (await store.people.byTeamsAadId(profile.aadId)) ??
      (email ? await store.people.byEmail(email) : null);
    if (!person) {
      person = await store.people.create(
        { displayName: profile.displayName, email, teamsAadId: profile.aadId },
        clock.now(),
      );
    }
    person = await store.people.update(person.id, {
      displayName: profile.displayName || person.displayName,
      teamsAadId: profile.aadId,
      email: (await freeEmail(store, email, person.id)) ?? person.email,
      ...(profile.conversationRef !== undefined
        ? {
            teamsConversationRef: profile.conversationRef,
            teamsReachable: profile.conversationRef !== null,
          }
        : {}),
    });
    return settleRole(ctx, person, null);
  });
}

/** The person with this email, created as an email-only stakeholder when new. */
export async function personByEmail(ctx: ActionContext, rawEmail: string): Promise<Person> {
  const email = validate(emailSchema, rawEmail, 'email');
  const { store, clock } = ctx;
  return store.transaction(async () => {
    const existing = await store.people.byEmail(email);
    if (existing) return existing;
    const person = await store.people.create({ displayName: email, email }, clock.now());
    return settleRole(ctx, person, null);
  });
}

/**
 * Applies `ADMINS` at start-up: known people listed there become admins (unless an admin set their
 * role explicitly); listed emails nobody has yet become email-only admins, linked when they arrive.
 */
export function bootstrapAdmins(ctx: ActionContext): Promise<number> {
  const { store } = ctx;
  return store.transaction(async () => {
    let promoted = 0;
    for (const ref of ctx.admins) {
      const person =
        ref.kind === 'email'
          ? ((await store.people.byEmail(ref.email)) ??
            (await store.people.create(
              { displayName: ref.email, email: ref.email },
              ctx.clock.now(),
            )))
          : ref.kind === 'slack'
            ? await store.people.bySlackUserId(ref.userId)
            : await store.people.byTeamsAadId(ref.aadId);
      if (person && person.role !== 'admin' && !(await store.people.isRoleExplicit(person.id))) {
        await store.people.update(person.id, { role: 'admin' });
        promoted += 1;
      }
    }
    return promoted;
  });
}
