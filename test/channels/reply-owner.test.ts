// The rule behind a reply to the platform number, at its edges: what it quotes wins, else the latest message that
// reached the phone up to the reply's own second and no more than 30 days before it.
import { describe, expect, it } from 'vitest';
import { REPLY_OWNERSHIP_MS, replyOwner } from '../../server/modules/inbound/reply-owner.ts';

const receivedAt = new Date('2026-12-01T12:00:00Z');
const at = (offsetMs: number) => new Date(receivedAt.getTime() + offsetMs);

describe('replyOwner', () => {
  it('the tenant of the quoted message, whoever wrote to the phone last', () => {
    expect(replyOwner({ receivedAt, quotedTenantId: 'a', lastReached: { tenantId: 'b', sentAt: at(-1000) } })).toBe('a');
  });

  it('unquoted: the tenant whose message reached the phone last, up to 30 days before the reply', () => {
    expect(replyOwner({ receivedAt, quotedTenantId: null, lastReached: { tenantId: 'b', sentAt: at(-60_000) } })).toBe('b');
    expect(replyOwner({ receivedAt, quotedTenantId: null, lastReached: { tenantId: 'b', sentAt: at(-REPLY_OWNERSHIP_MS) } })).toBe('b');
    expect(replyOwner({ receivedAt, quotedTenantId: null, lastReached: { tenantId: 'b', sentAt: at(-REPLY_OWNERSHIP_MS - 1) } })).toBeNull();
  });

  it("counts a message sent within the reply's second (Meta stamps seconds), not one sent after it", () => {
    expect(replyOwner({ receivedAt, quotedTenantId: null, lastReached: { tenantId: 'b', sentAt: at(999) } })).toBe('b');
    expect(replyOwner({ receivedAt, quotedTenantId: null, lastReached: { tenantId: 'b', sentAt: at(1000) } })).toBeNull();
  });

  it('nobody when no message reached the phone', () => {
    expect(replyOwner({ receivedAt, quotedTenantId: null, lastReached: null })).toBeNull();
  });
});
