import { parseIncidentId } from '../../src/commands/grammar.js';
import { HeraldError } from '../../src/errors.js';

/** The commands every Teams user has in the personal chat (PRODUCT §5). */
export type PersonalCommand =
  | { name: 'help' }
  | { name: 'incidents' }
  | { name: 'incident'; id: number }
  | { name: 'preferences' }
  | { name: 'unsubscribe'; id: number };

const USAGE: Record<string, string> = {
  incident: 'incident <id>',
  unsubscribe: 'unsubscribe <id>',
};

/**
 * Parses a personal-chat message. `incident` takes exactly one number here; anything else after it
 * (`incident list`, `incident notify 42 …`) is the responders' grammar and returns null, as does
 * any other word.
 * @throws HeraldError `USAGE` for a personal command with a missing or malformed argument.
 */
export function parsePersonalCommand(text: string): PersonalCommand | null {
  const words = text.trim().split(/\s+/);
  const [first = '', ...rest] = words;
  const word = first.toLowerCase().replace(/^\//, '');
  switch (word) {
    case 'help':
    case 'incidents':
    case 'preferences':
      return rest.length === 0 ? { name: word } : null;
    case 'incident':
    case 'unsubscribe': {
      if (rest.length > 1) return null;
      // `incident list`, `incident help`: subcommands of the responders' grammar.
      if (word === 'incident' && !/^#?\d/.test(rest[0] ?? '')) return null;
      const id = withUsage(word, () => parseIncidentId(rest[0] ?? ''));
      return { name: word, id };
    }
    default:
      return null;
  }
}

function withUsage<T>(word: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof HeraldError) {
      throw new HeraldError('USAGE', `${err.message} Usage: ${USAGE[word] ?? word}`);
    }
    throw err;
  }
}
