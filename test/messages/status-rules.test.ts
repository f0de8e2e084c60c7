import { describe, expect, it } from 'vitest';
import { FAILABLE_STATUSES, statusAfterReport, statusesMovedBy } from '../../server/modules/messages/status-rules.ts';

describe('what a reported delivery status does to a message', () => {
  it('moves forward only: READ > DELIVERED > SENT > DISPATCHING', () => {
    expect(statusAfterReport('DISPATCHING', 'SENT')).toBe('SENT');
    expect(statusAfterReport('SENT', 'READ')).toBe('READ');
    expect(statusAfterReport('READ', 'DELIVERED')).toBe('READ');
    expect(statusAfterReport('DELIVERED', 'SENT')).toBe('DELIVERED');
  });

  it('a failure counts only before delivered/read; delivered/read after failed wins (several devices)', () => {
    expect(statusAfterReport('SENT', 'FAILED')).toBe('FAILED');
    expect(statusAfterReport('DELIVERED', 'FAILED')).toBe('DELIVERED');
    expect(statusAfterReport('FAILED', 'DELIVERED')).toBe('DELIVERED');
    expect(statusAfterReport('FAILED', 'SENT')).toBe('FAILED');
    expect(FAILABLE_STATUSES).not.toContain('DELIVERED');
    expect(FAILABLE_STATUSES).not.toContain('READ');
  });

  it('a report about a message not dispatched yet, or cancelled, changes nothing', () => {
    for (const reported of ['SENT', 'DELIVERED', 'READ', 'FAILED'] as const) {
      expect(statusAfterReport('SCHEDULED', reported)).toBe('SCHEDULED');
      expect(statusAfterReport('CANCELLED', reported)).toBe('CANCELLED');
    }
  });

  it('lists the statuses each report moves a message out of (what the webhook UPDATE applies)', () => {
    expect(statusesMovedBy('SENT')).toEqual(['DISPATCHING']);
    expect(statusesMovedBy('DELIVERED')).toEqual(['DISPATCHING', 'SENT', 'FAILED']);
    expect(statusesMovedBy('READ')).toEqual(['DISPATCHING', 'SENT', 'DELIVERED', 'FAILED']);
    expect(statusesMovedBy('FAILED')).toEqual(['DISPATCHING', 'SENT']);
  });
});
