import { describe, expect, it } from 'vitest';
import { classifyWhatsAppError } from '../../server/modules/whatsapp/errors.ts';
import { WhatsAppError } from '../../server/modules/whatsapp/types.ts';

describe('deciding what to do with a failed WhatsApp send', () => {
  it.each([130429, 131056, 131057, 2])('retries transient Meta code %i whatever the HTTP status', (code) => {
    expect(classifyWhatsAppError(code, 400)).toBe('retry');
    expect(classifyWhatsAppError(code, 429)).toBe('retry');
  });

  it('refuses 131049 (held back for ecosystem engagement): a retry would only help hours later', () => {
    expect(classifyWhatsAppError(131049, 400)).toBe('never');
  });

  it.each([131026, 131047, 132000, 132001, 132012, 132015])('never retries permanent Meta code %i', (code) => {
    expect(classifyWhatsAppError(code, 400)).toBe('never');
    // The code decides, not the status: even a 5xx carrying a permanent code is not resent.
    expect(classifyWhatsAppError(code, 500)).toBe('never');
  });

  it('falls back to the HTTP status for codes it does not know', () => {
    expect(classifyWhatsAppError(1, 500)).toBe('retry');
    expect(classifyWhatsAppError(undefined, 503)).toBe('retry');
    expect(classifyWhatsAppError(80007, 429)).toBe('retry');
    expect(classifyWhatsAppError(100, 400)).toBe('never');
    expect(classifyWhatsAppError(190, 401)).toBe('never');
    expect(classifyWhatsAppError(undefined, 404)).toBe('never');
  });

  it('retries network errors and timeouts (no HTTP status at all)', () => {
    expect(classifyWhatsAppError(undefined, undefined)).toBe('retry');
  });

  it('gives every WhatsAppError its advice from code and status', () => {
    const error = new WhatsAppError('refused', { code: 132001, httpStatus: 400, fbtraceId: 'Axyz' });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'WhatsAppError', code: 132001, httpStatus: 400, advice: 'never', fbtraceId: 'Axyz' });
    expect(new WhatsAppError('throttled', { code: 130429, httpStatus: 400 }).advice).toBe('retry');
  });
});
