/**
 * Mails composed once per event and finished per reader, over a real SMTP server: each reader's
 * mail carries their own links and name, nothing of another reader's, and a later event's mails
 * are that event's — never a cached render of the one before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { EmailMessenger } from '../../adapters/email/email-messenger.js';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { postStatusUpdate } from '../../src/actions/post-status-update.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import { verifyIncidentLink } from '../../src/stakeholder-link.js';
import { verifyUnsubscribeToken } from '../../src/unsubscribe-token.js';
import { eventually } from '../support/eventually.js';
import { TestSmtpServer, type ReceivedMail } from '../support/smtp-server.js';
import type { DeliveryJob } from '../../src/delivery/ports.js';
import { rawHeader, startEmailHerald, unsubscribeUrl, type EmailHarness } from './email-harness.js';

let h: EmailHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const viewLink = (mail: ReceivedMail) =>
  /View incident: (https:\/\/herald\.example\/my\/link\/[A-Za-z0-9_-]+)\n/.exec(
    mail.parsed.text ?? '',
  )?.[1];

describe('email: one render per event, one mail per reader', () => {
  it('gives each reader their own links and name, and each event its own words', async () => {
    h = await startEmailHerald();
    const { ctx } = h.herald;
    const secret = (await ctx.store.settings.get('herald_secret'))!;
    const rita = await h.person('Rita', 'rita@corp.example', 'responder');
    const readers = await Promise.all([
      h.person('Ann Stakeholder', 'ann@corp.example'),
      h.person('Zoë Ångström', 'zoe@corp.example'),
      h.person('李雷', 'li@corp.example'),
    ]);
    const { incident } = await declareIncident(ctx, rita, {
      title: 'Zahlungsfehler für Kunden',
      source: 'slack',
    });
    await subscribeToIncident(ctx, rita, {
      incidentId: incident.id,
      targets: readers.map((p) => ({ kind: 'person' as const, personId: p.id })),
    });
    await h.smtp.waitFor(3);
    await eventually(() => expect(h!.deliveries().every((d) => d.state === 'sent')).toBe(true));
    h.smtp.messages.length = 0;

    await postStatusUpdate(ctx, rita, {
      incidentId: incident.id,
      text: 'First: rolled back the gateway.',
      notifyStakeholders: true,
    });
    await h.smtp.waitFor(3);
    await postStatusUpdate(ctx, rita, {
      incidentId: incident.id,
      text: 'Second: all payments flow again.',
      notifyStakeholders: true,
    });
    const mails = await h.smtp.waitFor(6);

    const parts = new Set<string>();
    for (const reader of readers) {
      const own = h.smtp.to(reader.email!);
      expect(own).toHaveLength(2);
      const first = own.find((m) => m.parsed.text?.includes('First:'));
      const second = own.find((m) => m.parsed.text?.includes('Second:'));
      expect(first!.parsed.text).toContain('First: rolled back the gateway.');
      expect(first!.parsed.text).not.toContain('Second:');
      expect(second!.parsed.text).toContain('Second: all payments flow again.');
      expect(second!.parsed.html).not.toContain('First:');
      for (const mail of own) {
        expect(mail.parsed.subject).toBe(`[Update] #${incident.id} Zahlungsfehler für Kunden`);
        expect((mail.parsed.to as { value: unknown }).value).toEqual([
          { name: reader.displayName, address: reader.email },
        ]);
        // Both links are this reader's, in the header and in both parts.
        const unsubscribe = unsubscribeUrl(mail.parsed);
        const token = new URL(unsubscribe).searchParams.get('token');
        expect(verifyUnsubscribeToken(secret, token)).toEqual({
          personId: reader.id,
          incidentId: incident.id,
        });
        const view = viewLink(mail);
        expect(verifyIncidentLink(secret, view!.split('/').pop(), Date.now())).toEqual({
          personId: reader.id,
          incidentId: incident.id,
        });
        expect(mail.parsed.text).toContain(`Unsubscribe from this incident: ${unsubscribe}`);
        expect(mail.parsed.html).toContain(`<a href="${unsubscribe}"`);
        expect(mail.parsed.html).toContain(`<a href="${view}"`);
        // Without the reader's own fields, every reader's mail of an event is the same.
        parts.add(
          `${mail.parsed.text}${String(mail.parsed.html)}`
            .replaceAll(unsubscribe, 'UNSUBSCRIBE')
            .replaceAll(view!, 'VIEW'),
        );
        expect(rawHeader(mail.parsed, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
        expect(rawHeader(mail.parsed, 'Auto-Submitted')).toBe('auto-generated');
      }
    }
    expect(parts.size).toBe(2); // one per event
    expect(new Set(mails.map((m) => m.parsed.messageId)).size).toBe(6);
  });
});

describe('email: a mail that cannot be composed', () => {
  it('fails for good before anything is sent (a header line past 998 octets)', async () => {
    const smtp = await new TestSmtpServer().start();
    const messenger = new EmailMessenger({
      smtpUrl: smtp.url,
      from: 'Herald <herald@status.example>',
      publicUrl: `https://herald.example/${'p'.repeat(1000)}`,
      secret: 'per-reader-secret-0123456789',
    });
    const job = {
      delivery: { id: 1 },
      person: { id: 1, displayName: 'Ann', email: 'ann@corp.example' },
      event: {
        id: 1,
        incidentId: 1,
        kind: 'update',
        createdAt: 0,
        payload: {
          kind: 'update',
          incident: {
            id: 1,
            title: 'Slow search',
            summary: '',
            severity: 'SEV3',
            service: null,
            status: 'open',
          },
          text: 'Looking into it.',
          at: 0,
          by: null,
        },
      },
      threadRootId: 1,
    } as unknown as DeliveryJob;
    try {
      await expect(messenger.send(job)).rejects.toMatchObject({
        name: 'DeliveryError',
        kind: 'permanent',
        message: expect.stringMatching(
          /^email: cannot compose \(unsafe header field: "List-Unsubscribe/,
        ),
      });
      expect(smtp.messages).toEqual([]);
    } finally {
      await messenger.close();
      await smtp.stop();
    }
  });
});
