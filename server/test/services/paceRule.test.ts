import { MIN_RATE, PaceState, raise, slotsPerReservation, throttle } from '../../src/services/delivery/paceRule';
import { throttlingReply } from '../../src/services/delivery/retryPolicy';

const fresh = (ceiling: number | null, at = 0): PaceState => ({ ceiling, rate: ceiling, raisedAt: at, throttledAt: null, probeTo: null });

describe('the pace rule (halve on throttling, come back gradually)', () => {
  test('a store with a limit paces at it; without one it has none', () => {
    expect(raise(fresh(14), 14, 5000).rate).toBe(14);
    expect(raise(fresh(null), null, 5000).rate).toBeNull();
    // A limit set (or changed) later applies at once.
    expect(raise(fresh(null), 20, 5000).rate).toBe(20);
    expect(raise(fresh(100), 20, 5000).rate).toBe(20);
  });

  test('a throttling refusal halves the pace, once for a burst of refusals', () => {
    const once = throttle(fresh(100), 10_000, 0);
    expect(once.rate).toBe(50);
    expect(throttle(once, 10_500, 0)).toBe(once);
    expect(throttle(once, 11_000, 0).rate).toBe(25);
  });

  test('the pace never goes below one email every ten seconds', () => {
    let s = fresh(1);
    for (let t = 0; t < 20; t++) s = throttle(s, t * 1000, 0);
    expect(s.rate).toBe(MIN_RATE);
  });

  test('after a second without refusals the pace climbs back to its limit over about ten seconds, never above', () => {
    const halved = throttle(fresh(100), 0, 0);
    expect(raise(halved, 100, 500).rate).toBe(50); // still the same burst
    const later = raise(halved, 100, 5000);
    expect(later.rate).toBeGreaterThan(50);
    expect(later.rate).toBeLessThan(100);
    expect(raise(later, 100, 60_000).rate).toBe(100);
  });

  test('a store without a limit is held at half of what it was sending, then goes back to no limit', () => {
    const s = throttle(fresh(null), 0, 300);
    expect(s).toMatchObject({ rate: 150, probeTo: 300 });
    expect(raise(s, null, 3000).rate).toBeGreaterThan(150);
    expect(raise(s, null, 60_000)).toMatchObject({ rate: null, probeTo: null });
    // It had sent nothing this second: it starts from one a second.
    expect(throttle(fresh(null), 0, 0).rate).toBe(0.5);
  });

  test('slots are reserved a quarter second at a time, at least one, at most fifty', () => {
    expect(slotsPerReservation(0.1)).toBe(1);
    expect(slotsPerReservation(14)).toBe(4);
    expect(slotsPerReservation(10_000)).toBe(50);
  });
});

describe('which refusals are throttling', () => {
  const refusal = (responseCode: number, response: string, command = 'DATA') => ({ responseCode, response, command });

  test("a 421, 450, 451 or 454 that says we go too fast", () => {
    expect(throttlingReply(refusal(454, '454 Throttling failure: Maximum sending rate exceeded.'))).toMatch(/Throttling failure/);
    expect(throttlingReply(refusal(421, '421 4.7.0 Try again later'))).not.toBeNull();
    expect(throttlingReply(refusal(450, '450 4.7.1 Too many messages, slow down'))).not.toBeNull();
    expect(throttlingReply(refusal(451, '451 Rate limit exceeded'))).not.toBeNull();
  });

  test('any of those refusing the connection itself', () => {
    expect(throttlingReply({ code: 'EPROTOCOL', responseCode: 421, response: '421 Service not available', command: 'CONN' })).not.toBeNull();
  });

  test('not a temporary error about the message, nor a permanent refusal, nor a server that is down', () => {
    expect(throttlingReply(refusal(451, '451 4.3.0 Local error in processing'))).toBeNull();
    expect(throttlingReply(refusal(421, '421 Service not available'))).toBeNull();
    expect(throttlingReply(refusal(550, '550 5.7.1 Rate of spam too high'))).toBeNull();
    // About the recipient, not the pace: these count as the message's attempts.
    expect(throttlingReply(refusal(450, '450 4.2.2 Mailbox quota exceeded'))).toBeNull();
    expect(throttlingReply(refusal(451, '451 4.7.1 Greylisted, please try again later'))).toBeNull();
    expect(throttlingReply(refusal(450, '450 Requested action not taken: separate retry needed'))).toBeNull();
    expect(throttlingReply(refusal(454, '454 Throttling failure: Daily message quota exceeded.'))).not.toBeNull();
    expect(throttlingReply({ code: 'ECONNREFUSED' })).toBeNull();
    expect(throttlingReply(undefined)).toBeNull();
  });
});
