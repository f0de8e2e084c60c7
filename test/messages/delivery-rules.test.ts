import { describe, expect, it } from 'vitest';
import { judgeDelivery, type DeliveryFacts } from '../../server/modules/messages/delivery-rules.ts';
import type { ReportedStatus } from '../../server/modules/messages/status-rules.ts';

const at = (second: number) => new Date(Date.UTC(2026, 10, 27, 10, 0, second));
const sent: DeliveryFacts = {
  status: 'SENT' as const,
  chargeState: 'CHARGED',
  providerMessageId: 'wamid.A',
  failureReason: null,
  sendClaimLive: false,
  providerStatuses: [],
};
const dispatching: DeliveryFacts = { ...sent, status: 'DISPATCHING' as const, providerMessageId: null };
const stored = (status: ReportedStatus, second: number) => ({ status, recordedAt: at(second), errorCode: status === 'FAILED' ? 131026 : null });

describe('when a message counts as failed (and its charge comes back)', () => {
  it('nothing stored: a wake-up changes nothing, whatever the signal claimed', () => {
    expect(judgeDelivery(sent, false)).toEqual({ kind: 'settle', failure: undefined, markFailed: false, refund: false, done: false });
  });

  it('a stored failed with no delivered/read before it: refund, and the wait is over', () => {
    const facts = { ...sent, status: 'FAILED' as const, providerStatuses: [stored('SENT', 1), stored('FAILED', 2)] };
    expect(judgeDelivery(facts, false)).toMatchObject({ failure: { reason: 'DELIVERY_FAILED', errorCode: 131026 }, refund: true, done: true });
  });

  it('a failed stored after delivered does not count; one stored before a later delivered does', () => {
    expect(judgeDelivery({ ...sent, status: 'DELIVERED' as const, providerStatuses: [stored('DELIVERED', 1), stored('FAILED', 2)] }, false)).toMatchObject({
      failure: undefined,
      refund: false,
      done: false,
    });
    expect(judgeDelivery({ ...sent, status: 'DELIVERED' as const, providerStatuses: [stored('FAILED', 1), stored('DELIVERED', 2)] }, false)).toMatchObject({
      failure: { reason: 'DELIVERY_FAILED' },
      refund: true,
    });
  });

  it('READ ends the wait without a refund; an uncharged or refunded failure is not refunded again', () => {
    expect(judgeDelivery({ ...sent, status: 'READ' as const, providerStatuses: [stored('READ', 1)] }, false)).toMatchObject({ refund: false, done: true });
    const failed = { ...sent, status: 'FAILED' as const, providerStatuses: [stored('FAILED', 1)] };
    expect(judgeDelivery({ ...failed, chargeState: 'REFUNDED' }, false)).toMatchObject({ refund: false, done: true });
    expect(judgeDelivery({ ...failed, chargeState: 'NONE' }, false)).toMatchObject({ refund: false, done: true });
  });

  it('a send refused as recorded by the send step: refund', () => {
    const refused = { ...dispatching, status: 'FAILED' as const, failureReason: 'PROVIDER_REJECTED' };
    expect(judgeDelivery(refused, true)).toMatchObject({ failure: { reason: 'PROVIDER_REJECTED' }, markFailed: false, refund: true, done: true });
  });

  it('retries exhausted: wait while a claim runs, then fail and refund; but a stored wamid means it went out', () => {
    expect(judgeDelivery({ ...dispatching, sendClaimLive: true }, true)).toEqual({ kind: 'wait' });
    expect(judgeDelivery(dispatching, true)).toMatchObject({ failure: { reason: 'PROVIDER_UNAVAILABLE' }, markFailed: true, refund: true, done: true });
    expect(judgeDelivery(sent, true)).toMatchObject({ failure: undefined, refund: false, done: false });
  });
});
