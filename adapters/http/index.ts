import { systemActor } from '../../src/actions/system-actor.js';
import type { Door, DoorFactory } from '../door.js';
import { intakeRouter } from './intake.js';

/**
 * The intake API and Alertmanager receiver under `/api/v1` (PRODUCT §6). Off (`null`) unless
 * `INTAKE_TOKEN` is set. The API's system person is made here, before the server listens, so no
 * request races its creation.
 */
export const createIntakeDoor: DoorFactory = async ({
  config,
  ctx,
  logger,
}): Promise<Door | null> => {
  const token = config.intakeToken;
  if (!token) return null;
  await systemActor(ctx);
  return {
    name: 'intake',
    mount(app) {
      app.use(
        '/api/v1',
        intakeRouter({
          ctx,
          token,
          // Looked up per request (a read) so a deleted system person is recreated, not stale.
          actor: () => systemActor(ctx),
          publicUrl: config.publicUrl,
          logger: logger.child({ door: 'intake' }),
        }),
      );
    },
  };
};
