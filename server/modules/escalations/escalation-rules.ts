// When an escalation level fires, and when an escalation ends: one pure rule, decided from what PostgreSQL
// holds about the root message. Imports nothing but types and the pure list of Herald's own refusals.
import { isDispatchRefusal } from '../messages/dispatch-refusals.ts';
import type { MessageStatus } from '../messages/status-rules.ts';
import type { EscalationCondition } from './escalation-policy.entity.ts';

export type LevelState = 'WAITING' | 'SENT' | 'SKIPPED' | 'CANCELLED';

export interface LevelFacts {
  level: number;
  afterMs: number;
  unless: EscalationCondition;
  state: LevelState;
  dueAt: Date | null;
}

export interface EscalationFacts {
  rootStatus: MessageStatus;
  scheduleTime: Date;
  sentAt: Date | null;
  failedAt: Date | null;
  /** Why the root failed, as stored (null while it has not). */
  failureReason: string | null;
  /** What the root has reached, as stored: READ implies DELIVERED; a reply implies both. */
  evidence: { delivered: boolean; read: boolean; replied: boolean; acknowledged: boolean };
  levels: LevelFacts[];
  now: Date;
}

export type EscalationDecision =
  /** `detail` says why, where the root itself was not cancelled. */
  | { kind: 'cancel'; detail?: string }
  | { kind: 'resolve'; by: EscalationCondition }
  | { kind: 'exhausted' }
  /** Fire `level` now; `dueAts` are the due times of every level still waiting (the fired one included). */
  | { kind: 'fire'; level: number; dueAts: Map<number, Date> }
  /** Nothing due: look again at `until` (null: only when woken), after storing the due times known so far. */
  | { kind: 'wait'; until: Date | null; dueAts: Map<number, Date> };

/** While the root is not sent yet: look again just after its time, then every few seconds until it is. */
const DISPATCH_POLL_MS = 3_000;

/** Whether the root has reached a level's condition. An acknowledgement stops any escalation. */
function conditionMet(unless: EscalationCondition, evidence: EscalationFacts['evidence']): EscalationCondition | undefined {
  if (evidence.acknowledged) return 'ACKNOWLEDGED';
  const reached =
    unless === 'DELIVERED'
      ? evidence.delivered || evidence.read || evidence.replied
      : unless === 'READ'
        ? evidence.read || evidence.replied
        : unless === 'REPLIED'
          ? evidence.replied
          : false;
  return reached ? unless : undefined;
}

/**
 * A root that Herald refused before sending it (funds, consent, template, parameters, a disabled channel) told
 * nobody: escalating it would only multiply the refusal (and the messages of a tenant that cannot pay).
 */
function refusedByHerald(facts: EscalationFacts): string | undefined {
  if (facts.rootStatus !== 'FAILED' || facts.sentAt !== null || !isDispatchRefusal(facts.failureReason)) return undefined;
  return `Not escalated: Herald refused the message before sending it (${facts.failureReason})`;
}

/**
 * The next waiting level decides: its condition met → RESOLVED (pending levels cancelled); its due time
 * (the previous level's due time, or the root's sending, plus `after`) reached → it fires. A root that failed
 * after the previous level fired makes the next level due at once, unless Herald refused it before sending. A
 * cancelled root cancels it all.
 */
export function decideEscalation(facts: EscalationFacts): EscalationDecision {
  if (facts.rootStatus === 'CANCELLED') return { kind: 'cancel' };
  const refused = refusedByHerald(facts);
  if (refused) return { kind: 'cancel', detail: refused };
  const waiting = facts.levels.filter((level) => level.state === 'WAITING').sort((a, b) => a.level - b.level);
  const next = waiting[0];
  if (!next) return { kind: 'exhausted' };
  const met = conditionMet(next.unless, facts.evidence);
  if (met) return { kind: 'resolve', by: met };

  const previous = facts.levels.filter((level) => level.level < next.level).sort((a, b) => b.level - a.level)[0];
  let base = previous ? previous.dueAt : facts.sentAt;
  const failedSincePrevious =
    facts.rootStatus === 'FAILED' && facts.failedAt !== null && (!previous?.dueAt || facts.failedAt.getTime() > previous.dueAt.getTime());
  const dueAts = new Map<number, Date>();
  if (base !== null) {
    for (const level of waiting) {
      base = new Date(base.getTime() + level.afterMs);
      dueAts.set(level.level, base);
    }
  }
  if (failedSincePrevious) {
    const normal = dueAts.get(next.level);
    if (!normal || normal.getTime() > facts.failedAt!.getTime()) dueAts.set(next.level, facts.failedAt!);
  }
  const due = dueAts.get(next.level);
  if (due && due.getTime() <= facts.now.getTime()) return { kind: 'fire', level: next.level, dueAts };
  if (due) return { kind: 'wait', until: due, dueAts };
  // Not sent yet: its time, then a short poll until the dispatch has happened (webhooks also wake it).
  const pollFrom = Math.max(facts.scheduleTime.getTime(), facts.now.getTime());
  return { kind: 'wait', until: new Date(pollFrom + (facts.scheduleTime.getTime() > facts.now.getTime() ? 2_000 : DISPATCH_POLL_MS)), dueAts };
}
