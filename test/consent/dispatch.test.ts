// Consent re-checked when a message falls due: one scheduled before its contact opted out fails at dispatch,
// uncharged (CONTACT_OPTED_OUT), while what the opt-out still allows goes and is charged.
import { describe, expect, it } from 'vitest';
import { balanceOf, ledgerOf, schedule, waitForMessage } from '../messages/support.ts';
import { consentChange, consentScene, contactOf, userPreference } from './support.ts';
import { expectLedgerConsistent } from '../billing/support.ts';

const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

describe('consent at dispatch', () => {
  const scene = consentScene();

  const entriesOf = async (messageId: string) => (await ledgerOf(scene.herald, scene.tenant.token)).filter((entry: any) => entry.messageId === messageId);

  it('out of ALL after scheduling: the due UTILITY message fails uncharged', async () => {
    const contactId = await scene.tenant.contact('4242', 'Fay');
    const before = await balanceOf(scene.herald, scene.tenant.token);
    const scheduled = await schedule(scene.herald, scene.tenant, contactId, { scheduleTime: inSeconds(3) });
    expect(scheduled.status).toBe(201);
    expect((await consentChange(scene.herald, scene.tenant.token, contactId, 'opt-out', 'ALL')).status).toBe(200);

    const failed = await waitForMessage(scene.herald, scene.tenant.token, scheduled.body.id, (message) => message.status === 'FAILED');
    expect(failed).toMatchObject({ status: 'FAILED', failureReason: 'CONTACT_OPTED_OUT', chargeState: 'NONE', cost: null, providerMessageId: null });
    expect(await entriesOf(scheduled.body.id)).toEqual([]);
    expect(await balanceOf(scene.herald, scene.tenant.token)).toBe(before);
    expect(scene.herald.sandbox.sent.filter((record) => record.bodyParameters[0] === 'Fay')).toEqual([]);
  });

  it('out of MARKETING after scheduling: the MARKETING message fails uncharged, the UTILITY one goes and is charged', async () => {
    const contactId = await scene.tenant.contact('4242', 'Gus');
    const phone = (await contactOf(scene.herald, scene.tenant.token, contactId)).phone;
    const before = await balanceOf(scene.herald, scene.tenant.token);
    const marketing = await schedule(scene.herald, scene.tenant, contactId, { templateId: scene.marketingId, scheduleTime: inSeconds(3) });
    const utility = await schedule(scene.herald, scene.tenant, contactId, { scheduleTime: inSeconds(3) });
    expect([marketing.status, utility.status]).toEqual([201, 201]);
    // Meta tells Herald the user stopped marketing messages (platform number: every tenant with this contact).
    await userPreference(scene.herald, phone, 'stop');

    const refused = await waitForMessage(scene.herald, scene.tenant.token, marketing.body.id, (message) => message.status === 'FAILED');
    expect(refused).toMatchObject({ failureReason: 'CONTACT_OPTED_OUT', chargeState: 'NONE' });
    expect(await entriesOf(marketing.body.id)).toEqual([]);
    const sent = await waitForMessage(scene.herald, scene.tenant.token, utility.body.id, (message) => message.status === 'READ');
    expect(sent).toMatchObject({ status: 'READ', chargeState: 'CHARGED', cost: '0.0200' });
    expect(await entriesOf(utility.body.id)).toMatchObject([{ type: 'DEBIT', reason: 'MESSAGE', amount: '0.0200' }]);
    expect(await balanceOf(scene.herald, scene.tenant.token)).toBe((Number(before) - 0.02).toFixed(4));
    expect(scene.herald.sandbox.sent.filter((record) => record.bodyParameters[0] === 'Gus' && record.templateName === 'spring_sale')).toEqual([]);
    await expectLedgerConsistent(scene.herald);
  });
});
