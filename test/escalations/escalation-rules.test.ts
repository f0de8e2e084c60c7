import { describe, expect, it } from 'vitest';
import { decideEscalation, type EscalationFacts, type LevelFacts } from '../../server/modules/escalations/escalation-rules.ts';
import { durationMs } from '../../server/modules/escalations/durations.ts';

const T0 = new Date('2026-11-27T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const level = (n: number, afterSeconds: number, extra: Partial<LevelFacts> = {}): LevelFacts => ({
  level: n,
  afterMs: afterSeconds * 1000,
  unless: 'READ',
  state: 'WAITING',
  dueAt: null,
  ...extra,
});
const facts = (extra: Partial<EscalationFacts>): EscalationFacts => ({
  rootStatus: 'SENT',
  scheduleTime: T0,
  sentAt: T0,
  failedAt: null,
  failureReason: null,
  evidence: { delivered: false, read: false, replied: false, acknowledged: false },
  levels: [level(1, 60), level(2, 120)],
  now: at(10),
  ...extra,
});

describe('the escalation rule', () => {
  it('waits for level 1 until `after` past the sending, and counts level 2 from level 1', () => {
    const decision = decideEscalation(facts({}));
    expect(decision).toEqual({ kind: 'wait', until: at(60), dueAts: new Map([[1, at(60)], [2, at(180)]]) });
  });

  it('fires a level once it is due and its condition is not met', () => {
    expect(decideEscalation(facts({ now: at(60) }))).toMatchObject({ kind: 'fire', level: 1 });
    const afterFirst = facts({ now: at(100), levels: [level(1, 60, { state: 'SENT', dueAt: at(60) }), level(2, 120)] });
    expect(decideEscalation(afterFirst)).toEqual({ kind: 'wait', until: at(180), dueAts: new Map([[2, at(180)]]) });
  });

  it("resolves on the next level's condition; READ implies DELIVERED, a reply implies both; an acknowledgement stops any", () => {
    const delivered = facts({ evidence: { delivered: true, read: false, replied: false, acknowledged: false } });
    expect(decideEscalation(delivered)).toMatchObject({ kind: 'wait' });
    expect(decideEscalation({ ...delivered, levels: [level(1, 60, { unless: 'DELIVERED' })] })).toEqual({ kind: 'resolve', by: 'DELIVERED' });
    const read = facts({ evidence: { delivered: false, read: true, replied: false, acknowledged: false } });
    expect(decideEscalation({ ...read, levels: [level(1, 60, { unless: 'DELIVERED' })] })).toEqual({ kind: 'resolve', by: 'DELIVERED' });
    const replied = facts({ evidence: { delivered: false, read: false, replied: true, acknowledged: false } });
    expect(decideEscalation(replied)).toEqual({ kind: 'resolve', by: 'READ' });
    expect(decideEscalation({ ...read, levels: [level(1, 60, { unless: 'REPLIED' })] })).toMatchObject({ kind: 'wait' });
    const acknowledged = facts({ evidence: { delivered: false, read: false, replied: false, acknowledged: true } });
    expect(decideEscalation({ ...acknowledged, levels: [level(1, 60, { unless: 'REPLIED' })] })).toEqual({ kind: 'resolve', by: 'ACKNOWLEDGED' });
  });

  it('fires the next level at once when the root fails, and only that one', () => {
    const failed = facts({ rootStatus: 'FAILED', failedAt: at(5), now: at(6) });
    expect(decideEscalation(failed)).toMatchObject({ kind: 'fire', level: 1 });
    const afterFirst = { ...failed, now: at(7), levels: [level(1, 60, { state: 'SENT' as const, dueAt: at(5) }), level(2, 120)] };
    expect(decideEscalation(afterFirst)).toEqual({ kind: 'wait', until: at(125), dueAts: new Map([[2, at(125)]]) });
    const refusedBeforeSending = facts({ rootStatus: 'FAILED', sentAt: null, failedAt: at(1), now: at(2) });
    expect(decideEscalation(refusedBeforeSending)).toMatchObject({ kind: 'fire', level: 1 });
  });

  it('is cancelled with its root, exhausted after its last level, and polls while the root is not sent', () => {
    expect(decideEscalation(facts({ rootStatus: 'CANCELLED' }))).toEqual({ kind: 'cancel' });
    const allDone = facts({ levels: [level(1, 60, { state: 'SENT', dueAt: at(60) }), level(2, 120, { state: 'SKIPPED', dueAt: at(180) })] });
    expect(decideEscalation(allDone)).toEqual({ kind: 'exhausted' });
    const notYetDue = facts({ rootStatus: 'SCHEDULED', sentAt: null, scheduleTime: at(100), now: at(10) });
    expect(decideEscalation(notYetDue)).toMatchObject({ kind: 'wait', until: at(102) });
    const dispatching = facts({ rootStatus: 'DISPATCHING', sentAt: null, scheduleTime: at(0), now: at(10) });
    expect(decideEscalation(dispatching)).toMatchObject({ kind: 'wait', until: at(13) });
  });
});

describe('level durations', () => {
  it('reads ISO 8601 durations from PT1S to P30D and refuses the rest with a reason', () => {
    expect(durationMs('PT15M')).toBe(900_000);
    expect(durationMs('P1DT12H')).toBe(129_600_000);
    expect(durationMs('PT1S')).toBe(1_000);
    expect(durationMs('P30D')).toBe(30 * 86_400_000);
    expect(durationMs('P4W')).toBe(28 * 86_400_000);
    expect(durationMs('PT0.5S')).toMatch(/between PT1S and P30D/);
    expect(durationMs('P31D')).toMatch(/between PT1S and P30D/);
    expect(durationMs('P1M')).toMatch(/years and months/);
    expect(durationMs('15 minutes')).toMatch(/ISO 8601/);
    expect(durationMs('-PT5M')).toMatch(/negative|ISO 8601/);
  });
});
