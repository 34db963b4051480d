import type { Clock } from '../../src/clock.js';

/** A clock that moves only when told; `sleep` resolves once the time is advanced past it. */
export class FakeClock implements Clock {
  private sleepers: Array<{ at: number; resolve: () => void }> = [];
  constructor(
    private t = Date.UTC(2026, 10, 26, 12, 0, 0),
    private readonly rand: () => number = () => 0.5,
  ) {}

  now(): number {
    return this.t;
  }

  random(): number {
    return this.rand();
  }

  sleep(ms: number, wake?: Promise<unknown>): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper = { at: this.t + ms, resolve };
      this.sleepers.push(sleeper);
      const early = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        resolve();
      };
      wake?.then(early, early);
    });
  }

  /** Sleeps not yet over (for tests that a sleep cut short leaves nothing behind). */
  get pending(): number {
    return this.sleepers.length;
  }

  advance(ms: number): void {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.at <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.at > this.t);
    for (const s of due) s.resolve();
  }
}
