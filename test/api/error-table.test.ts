import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { describe, expect, it } from 'vitest';
import { ERROR_TABLE, codeForStatus, type ErrorCode } from '../../server/shared/error-table.ts';

describe('the one error table', () => {
  it("gives each code the HTTP status tRPC answers it with, so the document matches what callers see", () => {
    for (const [code, entry] of Object.entries(ERROR_TABLE)) {
      expect([code, getHTTPStatusCodeFromError(new TRPCError({ code: code as ErrorCode }))]).toEqual([code, entry.status]);
    }
  });

  it('names a status raised outside a procedure by its code, and an unknown 4xx as BAD_REQUEST', () => {
    expect(codeForStatus(415)).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(codeForStatus(413)).toBe('PAYLOAD_TOO_LARGE');
    expect(codeForStatus(418)).toBe('BAD_REQUEST');
  });
});
