import { isMailServerUnavailable, isPermanentMailError, retryDelayMs } from '../../src/services/delivery/retryPolicy';

describe('retry policy', () => {
  test('delays double with each attempt, jittered between half and all of the ceiling, capped at six hours', () => {
    expect(retryDelayMs(1, 60_000, () => 1)).toBe(60_000);
    expect(retryDelayMs(1, 60_000, () => 0)).toBe(30_000);
    expect(retryDelayMs(3, 60_000, () => 1)).toBe(240_000);
    expect(retryDelayMs(30, 60_000, () => 1)).toBe(6 * 3600_000);
  });

  test('only 5xx SMTP replies are permanent', () => {
    expect(isPermanentMailError({ responseCode: 550 })).toBe(true);
    expect(isPermanentMailError({ responseCode: 451 })).toBe(false);
    expect(isPermanentMailError({ code: 'ECONNREFUSED' })).toBe(false);
    expect(isPermanentMailError(undefined)).toBe(false);
    // A rejected login or greeting is the server's problem, not the message's.
    expect(isPermanentMailError({ responseCode: 535, code: 'EAUTH' })).toBe(false);
    expect(isPermanentMailError({ responseCode: 554, code: 'ECONNECTION' })).toBe(false);
  });

  test('connection-level failures mean the mail server is unavailable', () => {
    expect(isMailServerUnavailable({ code: 'ECONNECTION' })).toBe(true);
    expect(isMailServerUnavailable({ code: 'EAUTH', responseCode: 535 })).toBe(true);
    expect(isMailServerUnavailable({ code: 'EENVELOPE', responseCode: 550 })).toBe(false);
  });
});
