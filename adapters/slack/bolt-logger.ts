import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../src/logger.js';

/** Bolt logs through Herald's logger, so its lines are structured JSON like the rest. */
export function boltLogger(logger: Logger): BoltLogger {
  const child = logger.child({ component: 'bolt' });
  const line = (msgs: unknown[]) =>
    msgs.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  let level = LogLevel.INFO;
  return {
    debug: (...msgs: unknown[]) => child.debug({}, line(msgs)),
    info: (...msgs: unknown[]) => child.info({}, line(msgs)),
    warn: (...msgs: unknown[]) => child.warn({}, line(msgs)),
    error: (...msgs: unknown[]) => child.error({}, line(msgs)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
