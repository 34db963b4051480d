import { describe, expect, it } from 'vitest';
import { smtpDeliveryError } from '../../adapters/email/smtp-error.js';
import { DeliveryError } from '../../src/delivery/ports.js';

const smtp = (fields: Record<string, unknown>) =>
  Object.assign(new Error(typeof fields.message === 'string' ? fields.message : 'failed'), fields);

describe('SMTP error classification', () => {
  it.each([
    ['421 on DATA', { code: 'EMESSAGE', responseCode: 421, command: 'DATA' }],
    ['450 greylisted recipient', { code: 'EENVELOPE', responseCode: 450, command: 'RCPT TO' }],
    ['452 mailbox full', { code: 'EENVELOPE', responseCode: 452, command: 'RCPT TO' }],
    ['503 bad sequence', { code: 'EPROTOCOL', responseCode: 503, command: 'RCPT TO' }],
    ['535 bad credentials', { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' }],
    [
      '550 on MAIL FROM (sender refused)',
      { code: 'EENVELOPE', responseCode: 550, command: 'MAIL FROM' },
    ],
    [
      '554 greeting (the sending address blocked)',
      { code: 'EPROTOCOL', responseCode: 554, command: 'CONN' },
    ],
    ['550 to EHLO', { code: 'EPROTOCOL', responseCode: 550, command: 'EHLO' }],
    ['554 to STARTTLS', { code: 'ETLS', responseCode: 554, command: 'STARTTLS' }],
    ['554 closing the session', { code: 'ECONNECTION', responseCode: 554, command: 'CONN' }],
    ['connection refused', { code: 'ESOCKET', originalCode: 'ECONNREFUSED' }],
    ['timeout', { code: 'ETIMEDOUT', timeoutType: 'GREETING_TIMEOUT' }],
    ['connection dropped', { code: 'ECONNECTION' }],
    ['socket error', { code: 'ESOCKET' }],
    ['something unknown', {}],
  ])('%s is transient', (_label, fields) => {
    const err = smtpDeliveryError(smtp(fields));
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err.kind).toBe('transient');
  });

  it.each([
    ['550 unknown recipient', { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' }],
    ['553 recipient not allowed', { code: 'EENVELOPE', responseCode: 553, command: 'RCPT TO' }],
    ['554 message refused', { code: 'EMESSAGE', responseCode: 554, command: 'DATA' }],
    ['invalid recipient, before any reply', { code: 'EENVELOPE' }],
  ])('%s is permanent', (_label, fields) => {
    expect(smtpDeliveryError(smtp(fields)).kind).toBe('permanent');
  });

  it('keeps the server words in one bounded line, and passes DeliveryErrors through', () => {
    const err = smtpDeliveryError(
      smtp({
        message: 'Message failed: 550 5.1.1\r\nno such user',
        code: 'EENVELOPE',
        responseCode: 550,
      }),
    );
    expect(err.message).toBe('smtp EENVELOPE: Message failed: 550 5.1.1 no such user');
    expect(
      smtpDeliveryError(smtp({ message: 'x'.repeat(2000) })).message.length,
    ).toBeLessThanOrEqual(500);
    const own = new DeliveryError('permanent', 'no usable email address');
    expect(smtpDeliveryError(own)).toBe(own);
    expect(smtpDeliveryError('a string').kind).toBe('transient');
  });
});
