import type { Middleware, TurnContext } from 'botbuilder';
import type { Logger } from '../../src/logger.js';

/**
 * The name under which `@azure/core-rest-pipeline` (under botframework-connector's client) adds
 * its retry policy: up to 3 retries of 408/5xx and network errors, and of 429/503 after waiting
 * out `Retry-After`.
 */
const SDK_RETRY_POLICY = 'defaultRetryPolicy';

/** A connector call may not hang a delivery slot: the engine retries a timeout like a 5xx. */
const REQUEST_TIMEOUT_MS = 15_000;

interface PipelineRequestLike {
  timeout: number;
}
interface PipelineLike {
  removePolicy(options: { name: string }): unknown[];
  addPolicy(policy: {
    name: string;
    sendRequest(request: PipelineRequestLike, next: (r: PipelineRequestLike) => unknown): unknown;
  }): void;
  getOrderedPolicies(): Array<{ name: string }>;
}

/**
 * Strips the SDK's own retries from the turn's connector client and bounds each request. PRODUCT
 * §3: one layer owns retries, and that is the delivery engine, which also honours `Retry-After`.
 * botframework-connector 4.23 offers no option for this (its `ServiceClientContext` builds the
 * pipeline without `retryOptions`), so the middleware reaches the client's pipeline; it logs once
 * if a botbuilder upgrade moves it, and the tests that count connector requests fail.
 */
export function withoutSdkRetries(logger: Logger): Middleware {
  let warned = false;
  return {
    async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
      const client: unknown = context.turnState.get(context.adapter.ConnectorClientKey);
      const pipeline = (client as { client?: { pipeline?: PipelineLike } } | undefined)?.client
        ?.pipeline;
      if (pipeline && typeof pipeline.removePolicy === 'function') {
        pipeline.removePolicy({ name: SDK_RETRY_POLICY });
        if (!pipeline.getOrderedPolicies().some((p) => p.name === 'heraldRequestTimeout')) {
          pipeline.addPolicy({
            name: 'heraldRequestTimeout',
            sendRequest(request, next) {
              if (!request.timeout) request.timeout = REQUEST_TIMEOUT_MS;
              return next(request);
            },
          });
        }
      } else if (client && !warned) {
        warned = true;
        logger.warn({}, 'teams: connector client pipeline not found; SDK retries stay on');
      }
      await next();
    },
  };
}
