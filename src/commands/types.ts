import type { Channel, Role, Severity } from '../domain/types.js';
import type { Platform, Target } from '../domain/targets.js';

export type { Target } from '../domain/targets.js';

/** Stands, in {@link CommandInput} text, for the mention at the same position in `mentions`. */
export const MENTION = '\uFFFC';

/** A person a door recognised in its platform's markup (a Slack `<@U…>`, a Teams `<at>`). */
export interface Mention {
  platform: Platform;
  userId: string;
  /** How the mention reads as words (`@Theo Tran`), for free text. */
  label: string;
}

/**
 * Command text as a door hands it to the grammar: the platform's markup already decoded into
 * plain words, and each mention replaced by {@link MENTION}. The grammar never sees a platform's
 * syntax.
 */
export interface CommandInput {
  text: string;
  mentions: readonly Mention[];
}

/** Text with no mentions (typed in a form field, sent by a test). */
export const plainInput = (text: string): CommandInput => ({
  text: text.replaceAll(MENTION, ''),
  mentions: [],
});

export type IncidentCommand =
  | { root: 'incident'; name: 'help' }
  | {
      root: 'incident';
      name: 'new';
      title: string | null;
      /** The declare form's fields; the command line gives the title only. */
      summary?: string;
      severity?: Severity;
      service?: string | null;
    }
  | { root: 'incident'; name: 'list' }
  | { root: 'incident'; name: 'show'; id: number }
  | { root: 'incident'; name: 'summary'; id: number; text: string }
  | {
      root: 'incident';
      name: 'subscribe';
      id: number;
      targets: Target[];
      /** The subscribe form's summary field, set in the same transaction. */
      summary?: string;
    }
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
  | {
      root: 'stakeholders';
      name: 'team-create';
      team: string;
      description: string;
      /** The team form's members; the command line creates an empty team. */
      members?: Target[];
    }
  | {
      /** The team form's save of an existing team: rename, describe, set exactly these members. */
      root: 'stakeholders';
      name: 'team-edit';
      team: string;
      newName: string;
      description: string;
      members: Target[];
    }
  | { root: 'stakeholders'; name: 'team-delete'; team: string }
  | { root: 'stakeholders'; name: 'team-add'; team: string; targets: Target[] }
  | { root: 'stakeholders'; name: 'team-remove'; team: string; targets: Target[] }
  | { root: 'stakeholders'; name: 'prefs'; target: Target | null }
  | {
      root: 'stakeholders';
      name: 'prefs-set';
      /** `null` returns to the default (a form's "Use the default"). */
      channels: Channel[] | null;
      target: Target | null;
    }
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

/** What everyone may type in a personal chat with Herald (PRODUCT §5). */
export type PersonalCommand =
  | { root: 'personal'; name: 'help' }
  | { root: 'personal'; name: 'incidents' }
  | { root: 'personal'; name: 'incident'; id: number }
  | { root: 'personal'; name: 'preferences' }
  | { root: 'personal'; name: 'unsubscribe'; id: number };

export type Command = IncidentCommand | StakeholdersCommand | PersonalCommand;
/** The roots with a slash command and a usage table. */
export type CommandRoot = 'incident' | 'stakeholders';
