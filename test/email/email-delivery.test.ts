import { afterEach, describe, expect, it } from 'vitest';
import { declareIncident } from '../../src/actions/declare-incident.js';
import { postStatusUpdate } from '../../src/actions/post-status-update.js';
import { resolveIncident } from '../../src/actions/resolve-incident.js';
import { subscribeToIncident } from '../../src/actions/subscribe-to-incident.js';
import { eventually } from '../support/eventually.js';
import { sqliteOf } from '../support/outbox-fixture.js';
import { PUBLIC_URL, rawHeader, startEmailHerald, type EmailHarness } from './email-harness.js';

let h: EmailHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** Waits until no delivery is still on its way, so the next event sees the last one as sent. */
const settled = (harness: EmailHarness) =>
  eventually(() =>
    expect(
      harness.deliveries().filter((d) => !['sent', 'undeliverable', 'failed'].includes(d.state)),
    ).toEqual([]),
  );

describe('email: the three stakeholder events over SMTP', () => {
  it('sends subscribed, update and resolved with both parts, threaded, with one-click unsubscribe', async () => {
    h = await startEmailHerald();
    const { ctx } = h.herald;
    const rita = await h.person('Rita Responder', 'rita@corp.example', 'responder');
    const ann = await h.person('Ann Stakeholder', 'ann@corp.example');
    const { incident } = await declareIncident(ctx, rita, {
      title: 'Checkout errors for EU customers',
      summary: 'Some EU customers cannot pay.\nOrders placed are safe.',
      severity: 'SEV1',
      service: 'checkout',
      source: 'slack',
    });
    const n = incident.id;

    await subscribeToIncident(ctx, rita, {
      incidentId: n,
      targets: [{ kind: 'person', personId: ann.id }],
    });
    await h.smtp.waitFor(1);
    await settled(h);
    await postStatusUpdate(ctx, rita, {
      incidentId: n,
      text: 'Rolling back <script>alert(1)</script> & "friends"\nNext update in 30 min.',
      notifyStakeholders: true,
    });
    await h.smtp.waitFor(2);
    await settled(h);
    await resolveIncident(ctx, rita, { incidentId: n, note: 'Rolled back the payment gateway.' });
    const mails = (await h.smtp.waitFor(3)).map((m) => m.parsed);
    const [subscribed, update, resolved] = mails;

    expect(mails.map((m) => m.subject)).toEqual([
      `[SEV1] #${n} Checkout errors for EU customers`,
      `[Update] #${n} Checkout errors for EU customers`,
      `[Resolved] #${n} Checkout errors for EU customers`,
    ]);
    for (const mail of mails) {
      expect(mail.from?.value).toEqual([
        { name: 'Herald Status', address: 'herald@status.example' },
      ]);
      expect(mail.to && !Array.isArray(mail.to) ? mail.to.value : null).toEqual([
        { name: 'Ann Stakeholder', address: 'ann@corp.example' },
      ]);
      expect(typeof mail.text).toBe('string');
      expect(typeof mail.html).toBe('string');
      for (const part of [mail.text as string, mail.html as string]) {
        expect(part).toContain(`#${n} Checkout errors for EU customers`);
        expect(part).toContain('SEV1');
        expect(part).toContain('checkout');
        expect(part).toContain('Some EU customers cannot pay.');
        expect(part).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
        expect(part).toContain(`${PUBLIC_URL}/unsubscribe?token=`);
      }
      expect(rawHeader(mail, 'List-Unsubscribe')).toMatch(
        /^<https:\/\/herald\.example\/unsubscribe\?token=[A-Za-z0-9_-]+>$/,
      );
      expect(rawHeader(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      // The image-free promise: nothing in the HTML is fetched from anywhere.
      expect(mail.html).not.toMatch(/<img|url\(|<link|<script/i);
    }

    // The event itself, in both parts.
    expect(subscribed!.text).toContain('You have been subscribed to updates on this incident');
    expect(subscribed!.text).toMatch(/Status: +Open/);
    expect(update!.text).toContain('Rolling back <script>alert(1)</script> & "friends"');
    expect(update!.text).toContain('Next update in 30 min.');
    expect(resolved!.text).toContain('This incident has been resolved by Rita Responder.');
    expect(resolved!.text).toContain('Rolled back the payment gateway.');
    expect(resolved!.html).toContain('Rolled back the payment gateway.');
    expect(resolved!.text).toMatch(/Status: +Resolved/);

    // User text is escaped in HTML and never becomes a tag.
    expect(update!.html).toContain(
      'Rolling back &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;friends&quot;<br>',
    );
    expect(update!.html).not.toContain('<script');

    // Threading: one stable Message-ID per delivery; later mails point at the first.
    const ids = h.deliveries().map((d) => d.id);
    expect(mails.map((m) => m.messageId)).toEqual(
      ids.map((id) =>
        expect.stringMatching(new RegExp(`^<herald\\.${id}\\.[0-9a-f]{12}@status\\.example>$`)),
      ),
    );
    expect(subscribed!.inReplyTo).toBeUndefined();
    expect(subscribed!.references).toBeUndefined();
    for (const later of [update!, resolved!]) {
      expect(later.inReplyTo).toBe(subscribed!.messageId);
      expect([later.references].flat()).toEqual([subscribed!.messageId]);
    }
    await eventually(() =>
      expect(h!.deliveries().map((d) => [d.kind, d.state, d.attempts])).toEqual([
        ['subscribed', 'sent', 1],
        ['update', 'sent', 1],
        ['resolved', 'sent', 1],
      ]),
    );
  });

  it('keeps CR/LF out of the headers: no injected Bcc, a one-line subject', async () => {
    h = await startEmailHerald();
    const { ctx, db } = h.herald;
    const rita = await h.person('Rita', 'rita@corp.example', 'responder');
    const eve = await h.person('Eve\r\nBcc: x@evil.example', 'eve@corp.example');
    const { incident } = await declareIncident(ctx, rita, {
      title: 'Oops\r\nBcc: x@evil.example',
      source: 'api',
    });
    // The core already flattens titles; write the raw one too, as a buggy import or a future
    // surface might, to show the email adapter does not rely on it.
    sqliteOf(db)
      .prepare('UPDATE incidents SET title = ?, service = ? WHERE id = ?')
      .run('Oops\r\nBcc: x@evil.example\u0085To: y@evil.example', 'pay\nments', incident.id);

    await subscribeToIncident(ctx, rita, {
      incidentId: incident.id,
      targets: [{ kind: 'person', personId: eve.id }],
    });
    const [mail] = await h.smtp.waitFor(1);

    expect(mail!.to).toEqual(['eve@corp.example']);
    expect(mail!.parsed.bcc).toBeUndefined();
    const keys = mail!.parsed.headerLines.map((l) => l.key);
    expect(keys).not.toContain('bcc');
    expect(keys.filter((k) => k === 'to')).toHaveLength(1);
    expect(mail!.parsed.subject).toBe(
      `[SEV3] #${incident.id} Oops Bcc: x@evil.example To: y@evil.example`,
    );
    expect(rawHeader(mail!.parsed, 'Subject')).not.toMatch(/[\r\n]/);
    expect(mail!.parsed.to && !Array.isArray(mail!.parsed.to) ? mail!.parsed.to.value : []).toEqual(
      [{ name: 'Eve Bcc: x@evil.example', address: 'eve@corp.example' }],
    );
    // Nothing but the one recipient in the raw header block either.
    const head = mail!.raw.toString('utf8').split('\r\n\r\n')[0]!;
    expect(head).not.toMatch(/^bcc:/im);
    expect(head.split('\r\n').filter((l) => /^(to|cc|bcc):/i.test(l))).toEqual([
      'To: "Eve Bcc: x@evil.example" <eve@corp.example>',
    ]);
  });

  it('refuses an unusable EMAIL_FROM or SMTP_URL at start-up, naming the variable', async () => {
    await expect(startEmailHerald({ EMAIL_FROM: 'not an address' })).rejects.toThrow(
      /^EMAIL_FROM="not an address": must be an email address/,
    );
    const failure = startEmailHerald({ SMTP_URL: 'smtp://herald:hunter2@bad host:25' });
    await expect(failure).rejects.toThrow(/^SMTP_URL: cannot be used/);
    // The URL may carry the SMTP password: the message must not repeat it.
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });
});
