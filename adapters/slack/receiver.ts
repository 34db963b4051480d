import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  HTTPModuleFunctions as boltHttp,
  HTTPResponseAck,
  type App,
  type Logger as BoltLogger,
  type Receiver,
  type ReceiverProcessEventErrorHandlerArgs,
  type ReceiverUnhandledRequestHandlerArgs,
} from '@slack/bolt';

export interface GuardedReceiverOptions {
  logger: BoltLogger;
  /** Properties Bolt's middleware finds in `context` (the HTTP response: answer-unhandled.ts). */
  customProperties: (res: ServerResponse) => Record<string, unknown>;
  /** A request no listener acknowledged within Bolt's three seconds. */
  unhandledRequestHandler: (args: ReceiverUnhandledRequestHandlerArgs) => void;
  /** Bolt itself failed; true when the handler answered the request. */
  processEventErrorHandler: (args: ReceiverProcessEventErrorHandlerArgs) => Promise<boolean>;
}

/**
 * Bolt's receiver behind Herald's request guard (request-guard.ts), which has already read the
 * body, checked its signature and parsed it: this only hands the parsed body to Bolt with an ack
 * bound to the HTTP response, as Bolt's own HTTP receivers do after their body parser — without
 * a second route, a second read of the body and a second parse. Herald's HTTP server owns the
 * socket, so `start` and `stop` have nothing to do.
 */
export class GuardedReceiver implements Receiver {
  private bolt: App | undefined;

  constructor(private readonly opts: GuardedReceiverOptions) {}

  init(bolt: App): void {
    this.bolt = bolt;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  /** One verified, parsed request: Bolt's listeners run, and whichever acks first answers it. */
  async dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    body: Record<string, unknown>,
  ): Promise<void> {
    const { logger, unhandledRequestHandler, processEventErrorHandler } = this.opts;
    if (!this.bolt) throw new Error('GuardedReceiver: dispatch before Bolt was constructed');
    // Bolt's ack: answers at once (`processBeforeResponse` off), refuses a second call, and calls
    // `unhandledRequestHandler` when no listener acked in time.
    const ack = new HTTPResponseAck({
      logger,
      processBeforeResponse: false,
      unhandledRequestHandler,
      httpRequest: req,
      httpRequestBody: body,
      httpResponse: res,
    });
    try {
      await this.bolt.processEvent({
        body,
        ack: ack.bind(),
        retryNum: boltHttp.extractRetryNumFromHTTPRequest(req),
        retryReason: boltHttp.extractRetryReasonFromHTTPRequest(req),
        customProperties: this.opts.customProperties(res),
      });
    } catch (error) {
      const answered = await processEventErrorHandler({
        error: error as Error,
        logger,
        request: req,
        response: res,
        storedResponse: undefined,
      });
      // Stops the three-second timer: the handler's answer stands.
      if (answered) ack.ack();
    }
  }
}
