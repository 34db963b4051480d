import type { Logger } from '../../src/logger.js';

/** One log call: its level, its fields (with the child bindings) and its message. */
export interface LogEntry {
  level: 'info' | 'warn' | 'error' | 'debug';
  fields: Record<string, unknown>;
  msg: string;
}

/** A logger that keeps every entry, children included, for tests to read what was logged. */
export class RecordingLogger implements Logger {
  constructor(
    readonly entries: LogEntry[] = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}

  info(obj: object, msg = ''): void {
    this.entries.push({ level: 'info', fields: { ...this.bindings, ...obj }, msg });
  }
  warn(obj: object, msg = ''): void {
    this.entries.push({ level: 'warn', fields: { ...this.bindings, ...obj }, msg });
  }
  error(obj: object, msg = ''): void {
    this.entries.push({ level: 'error', fields: { ...this.bindings, ...obj }, msg });
  }
  debug(obj: object, msg = ''): void {
    this.entries.push({ level: 'debug', fields: { ...this.bindings, ...obj }, msg });
  }
  child(bindings: object): Logger {
    return new RecordingLogger(this.entries, { ...this.bindings, ...bindings });
  }

  /** Every entry as one searchable line: message and fields (errors with their message). */
  text(): string {
    return this.entries
      .map((e) => `${e.level} ${e.msg} ${JSON.stringify(e.fields, errorsAsText)}`)
      .join('\n');
  }
}

function errorsAsText(_key: string, value: unknown): unknown {
  return value instanceof Error ? `${value.name}: ${value.message}` : value;
}
