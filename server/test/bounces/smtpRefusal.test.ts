import { permanentRecipientRefusal } from '../../src/bounces/smtpRefusal';

// nodemailer's error when every recipient was refused at RCPT TO, and when DATA failed.
const atRcpt = (response: string) => ({ code: 'EENVELOPE', command: 'RCPT TO', responseCode: Number(response.slice(0, 3)), response });
const atData = (response: string) => ({ code: 'EMESSAGE', command: 'DATA', responseCode: Number(response.slice(0, 3)), response });

describe('which refusals put the recipient on the suppression list', () => {
  test.each([
    '550 5.1.1 <jane@example.com>: Recipient address rejected: User unknown',
    '550 5.1.2 Host unknown',
    '553 5.1.3 Bad recipient address syntax',
    '551 5.1.6 Mailbox has moved',
    '550 5.1.10 Recipient address has null MX',
    '550 5.2.1 The email account that you tried to reach is disabled',
    '550 No such user here',
    '550 Requested action not taken: mailbox unavailable, user unknown',
    '553 sorry, that mailbox does not exist',
  ])('suppressed: %s', (response) => {
    expect(permanentRecipientRefusal(atRcpt(response))).toBe(response);
  });

  test.each([
    ['a policy refusal at RCPT', atRcpt('550 5.7.1 Service unavailable; client host blocked using zen.spamhaus.org')],
    ['a full mailbox', atRcpt('552 5.2.2 Mailbox full')],
    ["the sender's address", atRcpt('553 5.1.7 Bad sender address syntax')],
    ['a bare relay refusal', atRcpt('550 Relaying denied')],
    ['a bare refusal that names a block', atRcpt('550 Mailbox unavailable: blocked by policy')],
    ['a bare reply that says nothing of the mailbox', atRcpt('554 Transaction failed')],
    ['a temporary refusal of the recipient', atRcpt('450 4.2.1 Mailbox busy, try again later')],
    ['a 5xx about the message', atData('554 5.6.0 Message rejected as spam')],
    ['a refused sender', { code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 550, response: '550 5.1.1 sender unknown' }],
    ['a connection failure', { code: 'ECONNECTION', message: 'connect ECONNREFUSED 127.0.0.1:25' }],
    ['no error object', undefined],
  ])('not suppressed: %s', (_what, err) => {
    expect(permanentRecipientRefusal(err)).toBeNull();
  });
});
