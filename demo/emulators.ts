import { FakeConnector } from '../test/support/fake-connector.js';
import { FakeSlack } from '../test/support/fake-slack.js';
import { TestSmtpServer } from '../test/support/smtp-server.js';
import { TeamsUser } from '../test/support/teams-user.js';
import { ORG } from './org.js';

/** The loopback stand-ins for Slack, the Bot Framework and an SMTP server (the tests' own). */
export interface Emulators {
  slack: FakeSlack;
  connector: FakeConnector;
  smtp: TestSmtpServer;
  teamsUsers: TeamsUser[];
  stop(): Promise<void>;
}

export async function startEmulators(): Promise<Emulators> {
  const slack = await new FakeSlack().start();
  const connector = await FakeConnector.start();
  const smtp = await new TestSmtpServer().start();
  for (const p of [ORG.admin, ...ORG.responders])
    slack.addUser({ id: p.slack, name: p.name, email: p.email });
  slack.addUser({
    id: ORG.slackGuest.slack,
    name: ORG.slackGuest.name,
    email: ORG.slackGuest.email,
    guest: true,
  });
  const teamsUsers = ORG.teamsStakeholders.map(
    (m) => new TeamsUser(connector.addMember({ ...m, userPrincipalName: m.email }), connector.url),
  );
  return {
    slack,
    connector,
    smtp,
    teamsUsers,
    async stop() {
      await Promise.all([slack.stop(), connector.close(), smtp.stop()]);
    },
  };
}
