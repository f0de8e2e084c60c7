// Channel tokens never leave the server: not in any response, not in any log line of the API, its
// services, the worker's Temporal runtime or the stand-in — through register, PATCH, Embedded Signup and sends.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { schedule, sendingTenant, waitForMessage } from '../messages/support.ts';
import { metaNumber, onChannel } from './support.ts';

describe('channel access tokens stay secret', () => {
  const lines: string[] = [];
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({
      cloud: true,
      worker: true,
      logLines: lines,
      env: { META_APP_ID: '1234567890', META_APP_SECRET: randomBytes(16).toString('hex') },
    });
  });
  afterAll(() => herald?.close());

  it('appear in no response and no log line', async () => {
    const tenant = await sendingTenant(herald);
    const secrets: string[] = [];
    const answers: unknown[] = [];
    const call = async (method: string, path: string, body?: unknown) => {
      const answer = await rest(herald, method, path, body, bearer(tenant.token));
      answers.push(answer.body);
      return answer;
    };

    const number = metaNumber(herald);
    secrets.push(number.accessToken);
    const created = await call('POST', '/channels', { name: 'Line', wabaId: '310000000000001', ...number, isDefault: false });
    expect(created.status).toBe(201);

    const refusedToken = `EAAG${randomBytes(24).toString('base64url')}`;
    secrets.push(refusedToken);
    expect((await call('PATCH', `/channels/${created.body.id}`, { accessToken: refusedToken })).status).toBe(422);
    // The new token Meta knows for this number (as after a rotation in Meta's Business Manager).
    const rotated = `EAAG${randomBytes(24).toString('base64url')}`;
    secrets.push(rotated);
    herald.sandbox.addNumber({ phoneNumberId: number.phoneNumberId, accessToken: rotated, wabaId: '310000000000001' });
    expect((await call('PATCH', `/channels/${created.body.id}`, { accessToken: rotated, isDefault: true })).status).toBe(200);

    const signupToken = `EAAG${randomBytes(24).toString('base64url')}`;
    secrets.push(signupToken);
    const code = `AQ${randomBytes(24).toString('base64url')}`;
    const signupNumber = `5${String(Date.now()).slice(-10)}`;
    herald.sandbox.addSignupCode(code, { phoneNumberId: signupNumber, wabaId: '320000000000002', accessToken: signupToken });
    expect((await call('POST', '/channels/embedded-signup', { code, wabaId: '320000000000002', phoneNumberId: signupNumber })).status).toBe(201);

    const scheduled = await schedule(herald, await onChannel(herald, tenant, created.body), await tenant.contact());
    expect(scheduled.status).toBe(201);
    const sent = await waitForMessage(herald, tenant.token, scheduled.body.id, (message) => message.status === 'DELIVERED' || message.status === 'READ');
    expect(sent.channelId).toBe(created.body.id);
    answers.push(sent, (await call('GET', '/channels')).body);

    // Something was logged (requests, sends, webhooks), so the check below looked at real lines.
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.some((line) => line.includes('/channels'))).toBe(true);
    for (const secret of secrets) {
      expect(lines.filter((line) => line.includes(secret))).toEqual([]);
      expect(answers.filter((answer) => JSON.stringify(answer).includes(secret))).toEqual([]);
    }
  });
});
