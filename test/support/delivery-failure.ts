import { expect } from 'vitest';
import { DeliveryError } from '../../src/delivery/ports.js';

/** The `DeliveryError` a send rejected with; fails the test if it resolved or threw anything else. */
export async function deliveryFailure(promise: Promise<unknown>): Promise<DeliveryError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}
