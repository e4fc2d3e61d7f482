/**
 * A store's mail pace, as the provider lets it be: the configured limit, halved at each
 * throttling refusal and brought back up gradually while the provider takes what it is
 * sent (additive increase, multiplicative decrease, as TCP does with its window). Pure: the
 * database keeps the state (db/mailPace.ts), shared by every instance.
 */
export interface PaceState {
  /** The configured limit (emails a second); null: none. */
  ceiling: number | null;
  /** The pace now; null: no limit. */
  rate: number | null;
  /** When the pace last went up, ms. */
  raisedAt: number;
  /** The last halving, ms; null: never throttled. */
  throttledAt: number | null;
  /** An unlimited store after a throttling: the pace it sent at, where it goes back to no limit. */
  probeTo: number | null;
}

/** The slowest pace: one email every ten seconds still drains any queue, and nothing is lost. */
export const MIN_RATE = 0.1;
/** Refusals within this long of a halving are the same burst: the pace halves once for them. */
export const THROTTLE_BURST_MS = 1000;
/** The pace goes back up from this long after the last halving. */
const QUIET_MS = 1000;

/** A pace comes back by a tenth of its target a second: from half to the target in about five quiet seconds. */
const stepPerSecond = (target: number) => Math.max(0.5, target / 10);

/**
 * The state with the configured ceiling applied and the pace raised for the quiet time
 * since it was last raised.
 */
export function raise(state: PaceState, ceiling: number | null, now: number): PaceState {
  const next: PaceState = { ...state, ceiling, raisedAt: now };
  if (ceiling === null && state.rate === null) return { ...next, probeTo: null };
  if (state.rate === null) return { ...next, rate: ceiling, probeTo: null };
  const target = ceiling ?? state.probeTo;
  if (target === null) return { ...next, rate: null, probeTo: null };
  let rate = Math.min(state.rate, target);
  // Raised for the time since it was last raised, not counting the second after a halving.
  const from = Math.max(state.raisedAt, state.throttledAt === null ? -Infinity : state.throttledAt + QUIET_MS);
  rate = Math.min(target, rate + (stepPerSecond(target) * Math.max(0, now - from)) / 1000);
  // An unlimited store that is back where it was throttled goes back to no limit.
  if (ceiling === null && rate >= target) return { ...next, rate: null, probeTo: null };
  return { ...next, rate };
}

/**
 * The state after a throttling refusal: the pace halves (once per burst of refusals). A
 * store without a limit starts from half of what it was just sending at (`observedRate`).
 */
export function throttle(state: PaceState, now: number, observedRate: number): PaceState {
  if (state.throttledAt !== null && now - state.throttledAt < THROTTLE_BURST_MS) return state;
  const current = state.rate ?? Math.max(1, observedRate);
  const probeTo = state.ceiling === null ? (state.probeTo ?? current) : null;
  return { ...state, rate: Math.max(MIN_RATE, current / 2), throttledAt: now, raisedAt: now, probeTo };
}

/** Slots reserved at once: about a quarter second's worth, so a pace costs a few reservations a second. */
export function slotsPerReservation(rate: number): number {
  return Math.min(50, Math.max(1, Math.round(rate / 4)));
}
