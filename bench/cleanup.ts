/** Closes what was opened, last first, whatever happens; each step bounded to 20 s. */
export class Cleanup {
  private readonly steps: Array<() => Promise<void> | void> = [];

  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          step(),
          new Promise((resolve) => (timer = setTimeout(resolve, 20_000))),
        ]);
      } catch (err) {
        console.error(`bench: cleanup step failed: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
