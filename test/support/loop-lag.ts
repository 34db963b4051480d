/**
 * How late this process's event loop runs, ms: a 10 ms timer's worst lateness over the last two
 * seconds, or how overdue that timer is right now if that is more. An emulator here reads an
 * arrival at least that late. The second half matters after a stall: the loop then reads the
 * sockets that became ready before it runs its timers, so the arrivals bunched by the stall are
 * judged before any timer has measured it.
 */
export function recentLoopLag(): { lag: () => number } {
  const samples: Array<{ at: number; late: number }> = [];
  let expected = performance.now() + 10;
  const timer = setInterval(() => {
    const now = performance.now();
    samples.push({ at: now, late: Math.max(0, now - expected) });
    expected = now + 10;
    while ((samples[0]?.at ?? now) < now - 2_000) samples.shift();
  }, 10);
  timer.unref();
  return {
    lag: () => samples.reduce((most, s) => Math.max(most, s.late), performance.now() - expected),
  };
}
