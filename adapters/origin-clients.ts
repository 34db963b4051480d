import { KeepAliveClient, type KeepAliveClientOptions } from './keep-alive-client.js';

/**
 * A keep-alive client per origin, for URLs that name their own (Teams' regional connectors, Slack's
 * `response_url`s), at most `maxOrigins` of them: past that, the one used least recently is
 * retired, so that URLs from many tenants or clouds cannot pile up clients and idle connections.
 */
export class OriginClients {
  /** A client per origin, the one used least recently first. */
  private readonly clients = new Map<string, KeepAliveClient>();
  /** Retired clients with a request still in flight, for {@link close} to reach. */
  private readonly retired = new Set<KeepAliveClient>();
  /** The origin of the last request: requests in a row to one origin leave the order as it is. */
  private lastOrigin = '';

  constructor(
    private readonly options: Omit<KeepAliveClientOptions, 'origin'>,
    private readonly maxOrigins: number,
  ) {}

  /** The client for `origin` (`http:` or `https:`, as `URL.origin` spells it). */
  for(origin: string): KeepAliveClient {
    let client = this.clients.get(origin);
    if (client && origin === this.lastOrigin) return client;
    this.lastOrigin = origin;
    if (client) {
      // Most recently used: to the end of the map's order.
      this.clients.delete(origin);
      this.clients.set(origin, client);
      return client;
    }
    client = new KeepAliveClient({ ...this.options, origin });
    this.clients.set(origin, client);
    if (this.clients.size > this.maxOrigins) {
      const [oldest, retired] = this.clients.entries().next().value!;
      this.clients.delete(oldest);
      retired.retire();
      for (const done of this.retired) if (done.openConnections === 0) this.retired.delete(done);
      if (retired.openConnections > 0) this.retired.add(retired);
    }
    return client;
  }

  /** Closes every connection, idle or in use, of every client, retired ones included. */
  close(): void {
    for (const client of [...this.clients.values(), ...this.retired]) client.close();
    this.clients.clear();
    this.retired.clear();
    this.lastOrigin = '';
  }
}
