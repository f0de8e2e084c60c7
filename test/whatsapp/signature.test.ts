import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { safeEqualStrings, signPayload, verifySignature } from '../../server/modules/whatsapp/signature.ts';

const secret = 'app-secret-123';
const raw = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');

describe('webhook signatures', () => {
  it('signs the raw bytes as Meta does: sha256=<hex HMAC keyed with the app secret>', () => {
    const expected = createHmac('sha256', secret).update(raw).digest('hex');
    expect(signPayload(raw, secret)).toBe(`sha256=${expected}`);
  });

  it('accepts the matching signature (in upper-case hex too)', () => {
    const header = signPayload(raw, secret);
    expect(verifySignature(raw, header, secret)).toBe(true);
    expect(verifySignature(raw, `sha256=${header.slice(7).toUpperCase()}`, secret)).toBe(true);
  });

  it('refuses a missing, malformed, truncated or foreign signature', () => {
    const header = signPayload(raw, secret);
    expect(verifySignature(raw, undefined, secret)).toBe(false);
    expect(verifySignature(raw, '', secret)).toBe(false);
    expect(verifySignature(raw, header.slice(7), secret)).toBe(false);
    expect(verifySignature(raw, header.slice(0, -2), secret)).toBe(false);
    expect(verifySignature(raw, `sha1=${header.slice(7)}`, secret)).toBe(false);
    expect(verifySignature(raw, signPayload(raw, 'another-secret'), secret)).toBe(false);
  });

  it('refuses the same JSON re-serialised with different bytes', () => {
    const header = signPayload(raw, secret);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString()), null, 2));
    expect(verifySignature(reserialised, header, secret)).toBe(false);
  });

  it('compares verify tokens of any length without throwing', () => {
    expect(safeEqualStrings('token', 'token')).toBe(true);
    expect(safeEqualStrings('token', 'token-longer')).toBe(false);
    expect(safeEqualStrings('', 'x')).toBe(false);
  });
});
