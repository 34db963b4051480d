import type { Channel } from '../../src/domain/types.js';
import type { DeliveryJob, Messenger } from '../../src/delivery/ports.js';

/** A messenger for a channel a test does not exercise over its real protocol: it records sends. */
export class RecordingMessenger implements Messenger {
  readonly limits = [];
  readonly sent: DeliveryJob[] = [];
  constructor(readonly channel: Channel) {}

  send(job: DeliveryJob): Promise<void> {
    this.sent.push(job);
    return Promise.resolve();
  }

  /** "who:kind" for each send, in order. */
  log(): string[] {
    return this.sent.map(
      (j) => `${j.person.email ?? j.person.displayName}:${j.event.payload.kind}`,
    );
  }
}
