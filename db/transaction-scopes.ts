import { AsyncLocalStorage } from 'node:async_hooks';

/** A transaction as an executor sees it: `open` from its first statement to COMMIT or ROLLBACK. */
export interface Scope {
  open: boolean;
}

/**
 * Which transaction an async context runs in, for an executor whose transactions span awaits.
 *
 * An `AsyncLocalStorage` in use installs promise hooks: every promise the process makes then runs
 * hook code as it is created and settled — the delivery engine's sends and Bolt's requests as much
 * as a transaction's statements (a loop of awaits ran 2.4 times slower with them, Node 20). They
 * are needed only while a transaction is open, so the storage is disabled whenever the last open
 * one closes, and the next transaction enables it again: the hooks run during transactions only.
 * A context that began inside a transaction and outlives it finds that transaction closed, with
 * the storage on or off.
 */
export class TransactionScopes<S extends Scope> {
  readonly #storage = new AsyncLocalStorage<S>();
  #open = 0;

  /** The open transaction this async context runs in, if any. */
  current(): S | undefined {
    if (this.#open === 0) return undefined;
    const scope = this.#storage.getStore();
    return scope?.open ? scope : undefined;
  }

  /** Transactions open now (run and not yet closed). */
  get openCount(): number {
    return this.#open;
  }

  /**
   * Opens `scope` and runs `fn` in it: every query of `fn`'s async context (its awaits included)
   * finds `scope` until {@link close}, which the caller calls once COMMIT or ROLLBACK is done.
   */
  run<T>(scope: S, fn: () => Promise<T>): Promise<T> {
    if (scope.open) throw new Error('transaction scope already open');
    scope.open = true;
    this.#open += 1;
    return this.#storage.run(scope, fn);
  }

  /** Closes `scope` (once; a scope never run is left alone); the last one open turns the hooks off. */
  close(scope: S): void {
    if (!scope.open) return;
    scope.open = false;
    this.#open -= 1;
    if (this.#open === 0) this.#storage.disable();
  }
}
