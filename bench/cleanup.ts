/**
 * Closes what was opened, last first, whatever happens; each step bounded to 20 s. A step added
 * once the clean-up has begun (a process the scenario was still starting when the bench was told to
 * stop) runs at once, so nothing started late outlives the bench.
 */
export class Cleanup {
  private readonly steps: Array<() => Promise<void> | void> = [];
  private readonly late: Array<Promise<void>> = [];
  private begun = false;

  add(step: () => Promise<void> | void): void {
    if (this.begun) this.late.push(Cleanup.bounded(step));
    else this.steps.push(step);
  }

  async run(): Promise<void> {
    this.begun = true;
    for (const step of this.steps.splice(0).reverse()) await Cleanup.bounded(step);
    await Promise.all(this.late);
  }

  private static async bounded(step: () => Promise<void> | void): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([step(), new Promise((resolve) => (timer = setTimeout(resolve, 20_000)))]);
    } catch (err) {
      console.error(`bench: cleanup step failed: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
