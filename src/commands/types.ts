import type { Channel, Role, Severity } from '../domain/types.js';

/** Who a command points at: a Slack user, an email address, or a stakeholder team. */
export type Target =
  | { kind: 'slack'; userId: string }
  | { kind: 'email'; email: string }
  | { kind: 'team'; name: string };

export type IncidentCommand =
  | { root: 'incident'; name: 'help' }
  | { root: 'incident'; name: 'new'; title: string | null }
  | { root: 'incident'; name: 'list' }
  | { root: 'incident'; name: 'show'; id: number }
  | { root: 'incident'; name: 'summary'; id: number; text: string }
  | { root: 'incident'; name: 'subscribe'; id: number; targets: Target[] }
  | { root: 'incident'; name: 'unsubscribe'; id: number; targets: Target[] }
  | { root: 'incident'; name: 'update'; id: number; text: string | null }
  | { root: 'incident'; name: 'notify'; id: number; text: string }
  | { root: 'incident'; name: 'resolve'; id: number; note: string | null }
  | { root: 'incident'; name: 'stakeholders'; id: number };

export type StakeholdersCommand =
  | { root: 'stakeholders'; name: 'help' }
  | { root: 'stakeholders'; name: 'teams' }
  | { root: 'stakeholders'; name: 'team-list' }
  | { root: 'stakeholders'; name: 'team-show'; team: string }
  | { root: 'stakeholders'; name: 'team-create'; team: string; description: string }
  | { root: 'stakeholders'; name: 'team-delete'; team: string }
  | { root: 'stakeholders'; name: 'team-add'; team: string; targets: Target[] }
  | { root: 'stakeholders'; name: 'team-remove'; team: string; targets: Target[] }
  | { root: 'stakeholders'; name: 'prefs'; target: Target | null }
  | { root: 'stakeholders'; name: 'prefs-set'; channels: Channel[]; target: Target | null }
  | { root: 'stakeholders'; name: 'role'; target: Target; role: Role }
  | { root: 'stakeholders'; name: 'rules' }
  | {
      root: 'stakeholders';
      name: 'rule-add';
      targets: Target[];
      service: string | null;
      severities: Severity[];
    }
  | { root: 'stakeholders'; name: 'rule-list' }
  | { root: 'stakeholders'; name: 'rule-remove'; ruleId: number };

export type Command = IncidentCommand | StakeholdersCommand;
export type CommandRoot = Command['root'];
