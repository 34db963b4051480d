/**
 * Retries an assertion until it passes or the deadline is reached: for effects that land a few
 * event-loop turns after the request that caused them (a worker settling a send). Not a timing
 * assertion: the deadline only bounds a failing test.
 */
export async function eventually<T>(
  assertion: () => T | Promise<T>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
