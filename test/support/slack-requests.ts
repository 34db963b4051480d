import { createHmac } from 'node:crypto';

/** Slack gives every interaction a new trigger id; so do these builders. */
let triggers = 0;

/** What an Events API delivery may vary: its id, its time, and Slack's retry headers. */
export interface EventDelivery {
  eventId?: string;
  /** Seconds; the time Slack says the event happened (`event_time`). */
  eventTime?: number;
  /** Sent as `x-slack-retry-num` (with `x-slack-retry-reason: http_timeout`). */
  retryNum?: number;
}

/**
 * Where a command's answer lands, as Slack shows it: posted to its `response_url` (`url`), or put
 * in the command's ack itself (`answered`, called with the ack's message).
 */
export interface CommandReplies {
  url(responseId: string): string;
  answered?(responseId: string, message: Record<string, unknown>): void;
}

/**
 * Builds and posts requests exactly as Slack signs them (v0 HMAC-SHA256 of `v0:ts:body`). Times
 * come from `now` (ms), so a test that drives Herald's clock signs with that clock.
 */
export class SlackRequests {
  private seq = 0;

  constructor(
    private readonly eventsUrl: string,
    private readonly signingSecret: string,
    private readonly replies: CommandReplies,
    private readonly now: () => number = () => Date.now(),
  ) {}

  sign(body: string, ts = Math.floor(this.now() / 1000)): Record<string, string> {
    const sig = createHmac('sha256', this.signingSecret).update(`v0:${ts}:${body}`).digest('hex');
    return { 'x-slack-signature': `v0=${sig}`, 'x-slack-request-timestamp': String(ts) };
  }

  post(
    body: string,
    contentType: string,
    headers: Record<string, string> = this.sign(body),
  ): Promise<Response> {
    return fetch(this.eventsUrl, {
      method: 'POST',
      headers: { 'content-type': contentType, ...headers },
      body,
    });
  }

  /**
   * The form body of a slash command, unsigned; `text: null` leaves the field out, as a client
   * other than Slack might.
   */
  commandBody(
    user: string,
    command: string,
    text: string | null,
  ): { body: string; responseId: string; triggerId: string } {
    const responseId = `r${++this.seq}`;
    const triggerId = `trigger-${this.seq}`;
    const fields: Record<string, string> = {
      token: 'legacy-unused',
      team_id: 'T1',
      team_domain: 'herald-test',
      channel_id: 'C1',
      channel_name: 'incidents',
      user_id: user,
      user_name: user.toLowerCase(),
      command,
      ...(text === null ? {} : { text }),
      api_app_id: 'A1',
      response_url: this.replies.url(responseId),
      trigger_id: triggerId,
    };
    return { body: new URLSearchParams(fields).toString(), responseId, triggerId };
  }

  /** A slash command; returns the response id its replies carry (see `postCommand`). */
  async command(
    user: string,
    command: '/incident' | '/stakeholders',
    text: string,
  ): Promise<{ res: Response; responseId: string; triggerId: string }> {
    const built = this.commandBody(user, command, text);
    return { res: await this.postCommand(built), ...built };
  }

  /**
   * Posts a command's body (`commandBody`), signed by `headers`. A message in a 200 ack is handed
   * to `answered` under the command's response id, as Slack would show it; the returned response
   * can still be read.
   */
  async postCommand(
    { body, responseId }: { body: string; responseId: string },
    headers: Record<string, string> = this.sign(body),
  ): Promise<Response> {
    const sent = await this.post(body, 'application/x-www-form-urlencoded', headers);
    if (!this.replies.answered) return sent;
    const ack = await sent.text();
    const isJson = (sent.headers.get('content-type') ?? '').startsWith('application/json');
    if (sent.status === 200 && isJson && ack !== '') {
      const message = JSON.parse(ack) as unknown;
      if (typeof message !== 'object' || message === null || Array.isArray(message))
        throw new Error(`the ack of command ${responseId} is not a message: ${ack}`);
      this.replies.answered(responseId, message as Record<string, unknown>);
    }
    return new Response(ack, { status: sent.status, headers: sent.headers });
  }

  /** An interactivity payload (view_submission, block_actions). */
  interaction(payload: object): Promise<Response> {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    return this.post(body, 'application/x-www-form-urlencoded');
  }

  /** An Events API callback; a retry is the same event id, signed anew with retry headers. */
  event(event: object, delivery: EventDelivery = {}): Promise<Response> {
    const body = JSON.stringify({
      token: 'legacy-unused',
      team_id: 'T1',
      api_app_id: 'A1',
      type: 'event_callback',
      event_id: delivery.eventId ?? `Ev${++this.seq}`,
      event_time: delivery.eventTime ?? Math.floor(this.now() / 1000),
      authorizations: [{ team_id: 'T1', user_id: 'UHERALD', is_bot: true }],
      event,
    });
    const retry: Record<string, string> =
      delivery.retryNum === undefined
        ? {}
        : {
            'x-slack-retry-num': String(delivery.retryNum),
            'x-slack-retry-reason': 'http_timeout',
          };
    return this.post(body, 'application/json', { ...this.sign(body), ...retry });
  }
}

/** A `view_submission` payload for a view Herald opened, with the given input values. */
export function viewSubmission(
  user: string,
  view: Record<string, any>,
  values: Record<string, object>,
  extra: object = {},
) {
  const state: Record<string, Record<string, object>> = {};
  for (const [block, value] of Object.entries(values)) state[block] = { [block]: value };
  return {
    type: 'view_submission',
    team: { id: 'T1', domain: 'herald-test' },
    user: { id: user, username: user.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1',
    trigger_id: `trigger-view-${++triggers}`,
    view: {
      id: view.id ?? 'V-submitted',
      team_id: 'T1',
      type: 'modal',
      callback_id: view.callback_id,
      private_metadata: view.private_metadata ?? '',
      hash: 'h',
      title: view.title,
      blocks: view.blocks,
      state: { values: state },
      previous_view_id: null,
      ...extra,
    },
  };
}

/** A `block_actions` payload for one button or input. */
export function blockAction(
  user: string,
  action: object,
  container: { view?: Record<string, any> } = {},
) {
  return {
    type: 'block_actions',
    team: { id: 'T1', domain: 'herald-test' },
    user: { id: user, username: user.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1',
    trigger_id: `trigger-action-${++triggers}`,
    container: container.view ? { type: 'view', view_id: container.view.id } : { type: 'message' },
    ...(container.view ? { view: container.view } : {}),
    actions: [{ action_ts: `${Date.now() / 1000}`, ...action }],
  };
}
