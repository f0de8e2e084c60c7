import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTenantUser, registerTenant } from '../support/actors.ts';
import { rest, startHarness, type Harness } from '../support/harness.ts';
import { metaNumber, registerChannel } from './support.ts';

describe('channels: a tenant registers its own WhatsApp numbers', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness();
  });
  afterAll(() => herald?.close());

  it('registers a number, shows it without its token, and makes the first one the default', async () => {
    const admin = await registerTenant(herald);
    const { phoneNumberId, accessToken } = metaNumber(herald);
    const created = await rest(
      herald,
      'POST',
      '/channels',
      { name: 'Clinic front desk', wabaId: '310000000000001', phoneNumberId, accessToken, rateLimitPerSecond: 20 },
      bearer(admin.token),
    );
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'Clinic front desk',
      wabaId: '310000000000001',
      phoneNumberId,
      displayPhoneNumber: null,
      status: 'ACTIVE',
      isDefault: true,
      rateLimitPerSecond: 20,
      createdAt: expect.any(String),
    });
    const second = await registerChannel(herald, admin);
    expect(second.body).toMatchObject({ isDefault: false, rateLimitPerSecond: 80 });

    const listed = await rest(herald, 'GET', '/channels', undefined, bearer(admin.token));
    expect(listed.body.items.map((channel: any) => channel.id)).toEqual([created.body.id, second.id]);
    const one = await rest(herald, 'GET', `/channels/${created.body.id}`, undefined, bearer(admin.token));
    expect(one.body).toEqual(created.body);
    for (const answer of [created, listed, one]) expect(JSON.stringify(answer.body)).not.toContain(accessToken);

    // At rest the token is sealed: the row does not hold it in any readable form.
    const [row] = await herald.orm.em.fork().execute<{ access_token_sealed: string }[]>('select access_token_sealed from channel where id = ?', [created.body.id]);
    expect(row!.access_token_sealed).not.toContain(accessToken);
    expect(row!.access_token_sealed).toMatch(/^v1\./);
  });

  it('refuses a phone number id that any tenant registered already: 409', async () => {
    const first = await registerTenant(herald);
    const other = await registerTenant(herald);
    const channel = await registerChannel(herald, first);
    const again = await rest(
      herald,
      'POST',
      '/channels',
      { name: 'Copy', wabaId: '310000000000001', phoneNumberId: channel.phoneNumberId, accessToken: channel.accessToken },
      bearer(other.token),
    );
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'CONFLICT', data: { reason: 'CHANNEL_EXISTS' } });
  });

  it("keeps tenants apart: another tenant's channel is a 404, and a SUB_ADMIN reads but does not change", async () => {
    const owner = await registerTenant(herald);
    const stranger = await registerTenant(herald);
    const channel = await registerChannel(herald, owner);
    expect((await rest(herald, 'GET', `/channels/${channel.id}`, undefined, bearer(stranger.token))).status).toBe(404);
    expect((await rest(herald, 'PATCH', `/channels/${channel.id}`, { name: 'Mine now' }, bearer(stranger.token))).status).toBe(404);
    expect((await rest(herald, 'GET', '/channels', undefined, bearer(stranger.token))).body.items).toEqual([]);

    const operator = await createTenantUser(herald, owner, 'SUB_ADMIN');
    expect((await rest(herald, 'GET', `/channels/${channel.id}`, undefined, bearer(operator.token))).status).toBe(200);
    expect((await rest(herald, 'PATCH', `/channels/${channel.id}`, { name: 'Renamed' }, bearer(operator.token))).status).toBe(403);
    expect((await rest(herald, 'POST', '/channels', { name: 'x' }, bearer(operator.token))).status).toBe(403);
  });

  it('changes the name, limit and default; one default at a time', async () => {
    const admin = await registerTenant(herald);
    const first = await registerChannel(herald, admin);
    const second = await registerChannel(herald, admin);
    const changed = await rest(
      herald,
      'PATCH',
      `/channels/${second.id}`,
      { name: 'Reminders', rateLimitPerSecond: 5, isDefault: true },
      bearer(admin.token),
    );
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ name: 'Reminders', rateLimitPerSecond: 5, isDefault: true });
    expect((await rest(herald, 'GET', `/channels/${first.id}`, undefined, bearer(admin.token))).body.isDefault).toBe(false);
  });

  it('refuses bad input with a reason: a limit out of 1-1000, a non-numeric id, an empty token', async () => {
    const admin = await registerTenant(herald);
    const base = { name: 'x', wabaId: '310000000000001', phoneNumberId: '2999', accessToken: 'EAAGxxxxxxxx' };
    for (const body of [
      { ...base, rateLimitPerSecond: 0 },
      { ...base, rateLimitPerSecond: 1001 },
      { ...base, phoneNumberId: '12ab' },
      { ...base, accessToken: '' },
      { ...base, status: 'ACTIVE' },
    ]) {
      const answer = await rest(herald, 'POST', '/channels', body, bearer(admin.token));
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.code).toBe('BAD_REQUEST');
    }
    const channel = await registerChannel(herald, admin);
    for (const body of [{ phoneNumberId: '123' }, { isDefault: {} }, { isDefault: 'true' }, { rateLimitPerSecond: '80' }, null, [1]]) {
      const patch = await rest(herald, 'PATCH', `/channels/${channel.id}`, body, bearer(admin.token));
      expect(patch.status, JSON.stringify(body)).toBe(400);
    }
    expect((await rest(herald, 'GET', `/channels/${channel.id}`, undefined, bearer(admin.token))).body.isDefault).toBe(true);
  });
});

describe('channels in cloud mode: tokens are checked against Meta', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ cloud: true });
  });
  afterAll(() => herald?.close());

  it("takes a token Meta accepts, with Meta's display number; refuses one Meta refuses with a 422 naming Meta's error", async () => {
    const admin = await registerTenant(herald);
    const { phoneNumberId, accessToken } = metaNumber(herald);
    const refused = await rest(
      herald,
      'POST',
      '/channels',
      { name: 'Line', wabaId: '310000000000001', phoneNumberId, accessToken: 'EAAG-not-the-right-token' },
      bearer(admin.token),
    );
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'UNPROCESSABLE_CONTENT', data: { reason: 'META_REFUSED' } });
    expect(refused.body.message).toContain('code 190');

    const unknown = await rest(
      herald,
      'POST',
      '/channels',
      { name: 'Line', wabaId: '310000000000001', phoneNumberId: '29999999999', accessToken: herald.config.whatsapp.accessToken },
      bearer(admin.token),
    );
    expect(unknown.status).toBe(422);
    expect(unknown.body.message, unknown.body.message).toContain('does not exist');

    const accepted = await rest(herald, 'POST', '/channels', { name: 'Line', wabaId: '310000000000001', phoneNumberId, accessToken }, bearer(admin.token));
    expect(accepted.status).toBe(201);
    expect(accepted.body.displayPhoneNumber).toBe('+1 555 010 2000');

    const badChange = await rest(herald, 'PATCH', `/channels/${accepted.body.id}`, { accessToken: 'EAAG-wrong-again' }, bearer(admin.token));
    expect(badChange.status).toBe(422);
  });
});
