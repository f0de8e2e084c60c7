import { describe, expect, it } from 'vitest';
import { validateContactItem } from '../../server/modules/contacts/contact-item.ts';
import { normalisePhone } from '../../server/modules/contacts/phone.ts';

const reasonOf = (item: unknown): string => {
  const result = validateContactItem(item);
  if (result.ok) throw new Error(`expected ${JSON.stringify(item)} to be refused`);
  return result.reason;
};

describe('phone normalisation', () => {
  it('turns any international spelling into E.164', () => {
    for (const spelling of ['+15551234567', '+1 555-123-4567', '+1 (555) 123.4567', '0015551234567', '  00 1 555 123 4567 ']) {
      expect(normalisePhone(spelling)).toEqual({ ok: true, e164: '+15551234567' });
    }
    expect(normalisePhone('+44 20 7946 0958')).toEqual({ ok: true, e164: '+442079460958' });
  });

  it('accepts possible but unassigned numbers (fictional 555)', () => {
    expect(normalisePhone('+15559876543')).toEqual({ ok: true, e164: '+15559876543' });
  });

  it('refuses impossible, local, unknown-country and non-numbers with a reason', () => {
    expect(normalisePhone('+1555')).toEqual({ ok: false, reason: expect.stringMatching(/impossible.*too short/) });
    expect(normalisePhone('+155512345678901')).toEqual({ ok: false, reason: expect.stringMatching(/impossible.*too long/) });
    expect(normalisePhone('+49 1234 5678901234')).toEqual({ ok: false, reason: expect.stringMatching(/15 digits E\.164 allows/) });
    expect(normalisePhone('+49 1234 567890123')).toEqual({ ok: true, e164: '+491234567890123' });
    expect(normalisePhone('5551234567')).toEqual({ ok: false, reason: expect.stringMatching(/international/) });
    expect(normalisePhone('+999 1234567')).toEqual({ ok: false, reason: expect.stringMatching(/unknown country/) });
    for (const garbage of ['call me', '+1 555 123 4567 ext 5', '', '+', '+1'.padEnd(60, '5')]) {
      expect(normalisePhone(garbage).ok).toBe(false);
    }
  });
});

describe('one imported item', () => {
  it('keeps a valid contact, trimming the name and defaulting attributes', () => {
    expect(validateContactItem({ phone: '+15551234567', name: '  Alice ', attributes: { city: 'NY' } })).toEqual({
      ok: true,
      contact: { phone: '+15551234567', name: 'Alice', attributes: { city: 'NY' } },
    });
    expect(validateContactItem({ phone: '+15551234567', name: null })).toEqual({
      ok: true,
      contact: { phone: '+15551234567', name: null, attributes: {} },
    });
  });

  it('explains what is wrong with a bad item', () => {
    expect(reasonOf('+15551234567')).toMatch(/must be an object/);
    expect(reasonOf({ name: 'No Phone' })).toBe('phone is required');
    expect(reasonOf({ phone: 15551234567 })).toMatch(/phone must be a string/);
    expect(reasonOf({ phone: '+15551234567', email: 'a@b.c' })).toMatch(/unknown field "email"/);
    expect(reasonOf({ phone: '+15551234567', name: 'x'.repeat(201) })).toMatch(/name is too long \(at most 200/);
    expect(reasonOf({ phone: '+15551234567', name: 42 })).toBe('name must be a string');
    expect(reasonOf({ phone: '+15551234567', name: 'A\u0000B' })).toMatch(/cannot be stored/);
    expect(reasonOf({ phone: '+15551234567', attributes: ['NY'] })).toMatch(/attributes must be an object of string values/);
    expect(reasonOf({ phone: '+15551234567', attributes: { age: 42 } })).toMatch(/"age" is not a string/);
    expect(reasonOf({ phone: '+15551234567', attributes: { note: 'x'.repeat(501) } })).toMatch(/too big.*500/);
    expect(reasonOf({ phone: '+15551234567', attributes: { ['k'.repeat(65)]: 'v' } })).toMatch(/too big.*64/);
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expect(reasonOf({ phone: '+15551234567', attributes: many })).toMatch(/at most 50 keys/);
    expect(reasonOf({ phone: '+15551234567', attributes: { city: '\ud800' } })).toMatch(/cannot be stored/);
  });

  it('counts a name in characters, as the database does', () => {
    expect(validateContactItem({ phone: '+15551234567', name: '😀'.repeat(200) }).ok).toBe(true);
  });
});
