import { expect, it } from 'vitest';
import { recentLoopLag } from './loop-lag.js';

// The replica tests' Teams emulator allows for its own late reading by this measure: it must
// count a stall the loop is still in, since the arrivals it bunched are read before any timer runs.

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

it('counts a stall the loop is still in, and remembers it for two seconds', async () => {
  const loop = recentLoopLag();
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(loop.lag()).toBeLessThan(40);
  busy(120);
  // No timer has run since the stall began: only its overdue time can tell.
  expect(loop.lag()).toBeGreaterThanOrEqual(100);
  await new Promise((resolve) => setTimeout(resolve, 30));
  expect(loop.lag()).toBeGreaterThanOrEqual(100);
});
