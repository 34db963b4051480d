import type { Target } from '../commands/types.js';
import type { Person, StakeholderTeam } from '../domain/types.js';
import { HeraldError } from '../errors.js';
import type { ActionContext } from './context.js';
import { personByEmail } from './identify-person.js';

export interface ResolvedTargets {
  people: Person[];
  teams: StakeholderTeam[];
}

export const teamNotFound = (name: string) =>
  new HeraldError('TEAM_NOT_FOUND', `No stakeholder team named "${name}".`, 'team');

/**
 * Turns parsed targets into people and teams. Slack users must already be known (the Slack adapter
 * identifies them through `users.info` first); an email address makes an email-only person when new.
 */
export function resolveTargets(
  ctx: ActionContext,
  targets: readonly Target[],
  opts: { createByEmail: boolean } = { createByEmail: true },
): ResolvedTargets {
  const people = new Map<number, Person>();
  const teams = new Map<number, StakeholderTeam>();
  for (const target of targets) {
    switch (target.kind) {
      case 'team': {
        const team = ctx.store.teams.byName(target.name);
        if (!team) throw teamNotFound(target.name);
        teams.set(team.id, team);
        break;
      }
      case 'slack': {
        const person = ctx.store.people.bySlackUserId(target.userId);
        if (!person) {
          throw new HeraldError(
            'PERSON_NOT_FOUND',
            `Herald does not know the Slack user ${target.userId}.`,
            'people',
          );
        }
        people.set(person.id, person);
        break;
      }
      case 'email': {
        const person = opts.createByEmail
          ? personByEmail(ctx, target.email)
          : ctx.store.people.byEmail(target.email);
        if (!person) {
          throw new HeraldError(
            'PERSON_NOT_FOUND',
            `No one with the address ${target.email}.`,
            'emails',
          );
        }
        people.set(person.id, person);
        break;
      }
    }
  }
  return { people: [...people.values()], teams: [...teams.values()] };
}

/** Exactly one person, for commands about a single target (role, preferences). */
export function resolveOnePerson(ctx: ActionContext, target: Target): Person {
  if (target.kind === 'team') {
    throw new HeraldError('INVALID_INPUT', 'Name a person here, not a team.', 'target');
  }
  const { people } = resolveTargets(ctx, [target], { createByEmail: true });
  const person = people[0];
  if (!person) throw new HeraldError('PERSON_NOT_FOUND', 'No such person.', 'target');
  return person;
}
