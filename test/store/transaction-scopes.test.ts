import { executionAsyncId } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { TransactionScopes, type Scope } from '../../db/transaction-scopes.js';

// The executors' record of which transaction an async context runs in, and the promise hooks it
// needs only while a transaction is open.

interface Named extends Scope {
  name: string;
}

const scope = (name: string): Named => ({ name, open: false });

/** Yields to the event loop, so contexts interleave. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The async id a promise continuation runs under: 0 when no promise hooks are installed. */
async function continuationId(): Promise<number> {
  await Promise.resolve();
  return executionAsyncId();
}

describe('transaction scopes', () => {
  it('a transaction body finds its scope across awaits; a context outside finds none', async () => {
    const scopes = new TransactionScopes<Named>();
    const a = scope('a');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const seen: Array<string | undefined> = [];
    const body = scopes.run(a, async () => {
      seen.push(scopes.current()?.name);
      await turn();
      await held;
      seen.push(scopes.current()?.name);
    });
    // Another context, while the transaction is open and waiting.
    await turn();
    expect(scopes.current()).toBeUndefined();
    release();
    await body;
    scopes.close(a);
    expect(seen).toStrictEqual(['a', 'a']);
    expect(scopes.openCount).toBe(0);
  });

  it('two open at once each keep their own contexts; closing one leaves the other', async () => {
    const scopes = new TransactionScopes<Named>();
    const [a, b] = [scope('a'), scope('b')];
    let closeA!: () => void;
    const aClosed = new Promise<void>((resolve) => (closeA = resolve));
    const seenInB: Array<string | undefined> = [];
    const inA = scopes.run(a, async () => {
      await turn();
      return scopes.current()?.name;
    });
    const inB = scopes.run(b, async () => {
      seenInB.push(scopes.current()?.name);
      await aClosed;
      seenInB.push(scopes.current()?.name);
    });
    expect(await inA).toBe('a');
    scopes.close(a);
    expect(scopes.openCount).toBe(1);
    closeA();
    await inB;
    scopes.close(b);
    expect(seenInB).toStrictEqual(['b', 'b']);
  });

  it('a context begun inside a transaction and outliving it finds it closed', async () => {
    const scopes = new TransactionScopes<Named>();
    const [a, b] = [scope('a'), scope('b')];
    let later!: Promise<Array<string | undefined>>;
    let go!: () => void;
    const gate = new Promise<void>((resolve) => (go = resolve));
    await scopes.run(a, () => {
      later = (async () => {
        await gate;
        const whileOtherOpen = scopes.current()?.name;
        await turn();
        return [whileOtherOpen];
      })();
      return Promise.resolve();
    });
    scopes.close(a);
    // Another transaction opens: the left-over context must not find it, nor its own.
    const other = scopes.run(b, async () => {
      go();
      expect(await later).toStrictEqual([undefined]);
    });
    await other;
    scopes.close(b);
  });

  it('promise hooks run while a transaction is open and are off once the last one closes', async () => {
    const scopes = new TransactionScopes<Named>();
    const a = scope('a');
    expect(await continuationId()).toBe(0);
    let during = 0;
    await scopes.run(a, async () => {
      during = await continuationId();
    });
    expect(during).toBeGreaterThan(0);
    scopes.close(a);
    expect(await continuationId()).toBe(0);
    // And on again for the next transaction.
    const b = scope('b');
    await scopes.run(b, async () => {
      expect(await continuationId()).toBeGreaterThan(0);
      expect(scopes.current()?.name).toBe('b');
    });
    scopes.close(b);
    expect(await continuationId()).toBe(0);
  });

  it('a scope is opened once, and closing one never run changes nothing', async () => {
    const scopes = new TransactionScopes<Named>();
    const a = scope('a');
    scopes.close(a);
    expect(scopes.openCount).toBe(0);
    await scopes.run(a, () => Promise.resolve());
    expect(() => scopes.run(a, () => Promise.resolve())).toThrow(/already open/);
    scopes.close(a);
    scopes.close(a);
    expect(scopes.openCount).toBe(0);
  });
});
