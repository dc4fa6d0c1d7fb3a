import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { APP_ROOT } from '../../config/paths.js';
import { parseDeliveryStatus } from '../domain/delivery-status-notification.js';
import { readDsn } from './dsn-reader.js';

const fixture = (name: string) => readFile(join(APP_ROOT, 'test/fixtures/dsn', name));

describe('readDsn', () => {
  it('should read the failed recipient and diagnostic when given a Postfix bounce', async () => {
    expect(await readDsn(await fixture('postfix.eml'))).toEqual({
      reportingMta: 'mx1.tenant.test',
      recipients: [
        {
          finalRecipient: 'ops@tenant.test',
          action: 'failed',
          status: '5.1.1',
          diagnostic:
            '550 5.1.1 <ops@tenant.test>: Recipient address rejected: User unknown in virtual mailbox table',
        },
      ],
    });
  });

  it('should read an Exim bounce when Action comes before Final-Recipient', async () => {
    expect(await readDsn(await fixture('exim.eml'))).toEqual({
      reportingMta: 'mail.tenant.test',
      recipients: [
        {
          finalRecipient: 'ops@tenant.test',
          action: 'failed',
          status: '5.2.1',
          diagnostic: '550 5.2.1 Mailbox disabled for this recipient',
        },
      ],
    });
  });

  it('should unfold a Gmail diagnostic into one line when it spans several', async () => {
    const report = await readDsn(await fixture('gmail.eml'));
    expect(report?.reportingMta).toBe('googlemail.com');
    expect(report?.recipients).toHaveLength(1);
    expect(report?.recipients[0]).toMatchObject({
      finalRecipient: 'ops@tenant.test',
      action: 'failed',
      status: '5.1.1',
    });
    expect(report?.recipients[0].diagnostic).toBe(
      "550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. For more information, go to https://support.google.com/mail/?p=NoSuchUser 5b1f17b1804b1-43a1b2c3d4esi123.0 - gsmtp",
    );
  });

  it('should report a delay as delayed when the relay is still trying', async () => {
    const report = await readDsn(await fixture('delayed.eml'));
    expect(report?.recipients).toEqual([
      expect.objectContaining({ action: 'delayed', status: '4.4.1' }),
    ]);
  });

  it('should return null when the message is not a multipart/report DSN', async () => {
    expect(await readDsn(await fixture('autoreply.eml'))).toBeNull();
    expect(await readDsn(Buffer.from('not a message at all'))).toBeNull();
    expect(await readDsn(Buffer.alloc(0))).toBeNull();
  });
});

describe('parseDeliveryStatus', () => {
  const report = (recipient: string) => `Reporting-MTA: dns; mx.test\n\n${recipient}`;

  it('should return null when a recipient group is incomplete or has an unknown action', () => {
    expect(
      parseDeliveryStatus(report('Final-Recipient: rfc822; a@b.test\nAction: failed\n')),
    ).toBeNull();
    expect(
      parseDeliveryStatus(
        report('Final-Recipient: rfc822; a@b.test\nAction: exploded\nStatus: 5.0.0\n'),
      ),
    ).toBeNull();
    expect(
      parseDeliveryStatus(report('Final-Recipient: a@b.test\nAction: failed\nStatus: 5.0.0\n')),
    ).toBeNull();
    expect(parseDeliveryStatus('Reporting-MTA: dns; mx.test\n')).toBeNull();
  });

  it('should read every recipient group when a report names several', () => {
    const parsed = parseDeliveryStatus(
      report(
        'Final-Recipient: rfc822; a@b.test\nAction: failed\nStatus: 5.1.1\n\nFinal-Recipient: rfc822; <c+2Bx@b.test>\nAction: Delivered\nStatus: 2.0.0\n',
      ),
    );
    expect(parsed?.recipients).toEqual([
      { finalRecipient: 'a@b.test', action: 'failed', status: '5.1.1', diagnostic: null },
      { finalRecipient: 'c+x@b.test', action: 'delivered', status: '2.0.0', diagnostic: null },
    ]);
  });

  it('should cut a diagnostic to one line of 500 characters when it is longer', () => {
    const parsed = parseDeliveryStatus(
      report(
        `Final-Recipient: rfc822; a@b.test\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; ${'x\t'.repeat(400)}\u0007end\n`,
      ),
    );
    const diagnostic = parsed!.recipients[0].diagnostic!;
    expect(diagnostic).toHaveLength(500);
    expect(diagnostic).not.toMatch(/[\r\n\t\u0007]/);
  });
});
