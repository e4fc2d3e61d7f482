import { jobHealth } from '../../src/jobs/health';

describe('jobHealth (the badge)', () => {
  const since = new Date('2026-11-28T10:00:00Z');
  const hourly = ['2026-11-28T13:00:00Z', '2026-11-28T14:00:00Z', '2026-11-28T15:00:00Z'];
  const at = (iso: string) => new Date(iso);

  test('healthy up to twice the interval after the last success, failing after', () => {
    const lastSuccessAt = at('2026-11-28T11:00:00Z');
    expect(jobHealth({ enabled: true, nextRuns: hourly, lastSuccessAt, since, now: at('2026-11-28T13:00:00Z') })).toBe('healthy');
    expect(jobHealth({ enabled: true, nextRuns: hourly, lastSuccessAt, since, now: at('2026-11-28T13:00:01Z') })).toBe('failing');
  });

  test('a job that never succeeded counts from when the server started watching', () => {
    expect(jobHealth({ enabled: true, nextRuns: hourly, lastSuccessAt: null, since, now: at('2026-11-28T11:59:00Z') })).toBe('healthy');
    expect(jobHealth({ enabled: true, nextRuns: hourly, lastSuccessAt: null, since, now: at('2026-11-28T12:01:00Z') })).toBe('failing');
  });

  test('a disabled job is disabled, never red', () => {
    expect(jobHealth({ enabled: false, nextRuns: [], lastSuccessAt: null, since, now: at('2027-01-01T00:00:00Z') })).toBe('disabled');
  });
});
