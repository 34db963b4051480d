/** Time and randomness, injected so retries, backoff and reminders are tested without sleeping. */
export interface Clock {
  now(): number;
  /**
   * Resolves after `ms`, or as soon as `wake` settles: then the timer is dropped too, so a sleep
   * cut short never fires later (an idle loop woken hundreds of times a second would otherwise
   * leave as many timers behind, each a wake-up of the process of its own).
   */
  sleep(ms: number, wake?: Promise<unknown>): Promise<void>;
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, wake) =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, ms));
      wake?.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        () => {
          clearTimeout(timer);
          resolve();
        },
      );
    }),
  random: () => Math.random(),
};
