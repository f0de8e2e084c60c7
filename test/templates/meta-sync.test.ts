// The template sync: a Temporal Schedule whose run lists each WABA's templates on Meta and repairs what a
// lost webhook left stale (cloud mode, against the local stand-in for Meta).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateSyncSchedule, templateSyncScheduleId } from '../../server/temporal/template-sync-schedule.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { sleep } from '../support/eventually.ts';
import {  } from '../messages/support.ts';
import { createTemplate, templateOf, waitForTemplate, wabaTenant } from './support.ts';

describe('template sync (cloud mode)', () => {
  let herald: Harness;
  beforeAll(async () => {
    herald = await startHarness({ cloud: true, worker: true });
    herald.sandbox.templates.setApprovalDelay(undefined);
  });
  afterAll(async () => {
    await herald?.temporal.schedule.getHandle(templateSyncScheduleId(herald.config.TEMPORAL_TASK_QUEUE)).delete().catch(() => {});
    await herald?.close();
  });

  it('repairs status, quality and category that lost webhooks left stale, when the schedule runs', async () => {
    const first = await wabaTenant(herald);
    const second = await wabaTenant(herald);
    const paused = herald.sandbox.templates.add(first.wabaId, { name: 'payment_due', quality: 'GREEN' });
    const recategorised = herald.sandbox.templates.add(second.wabaId, { name: 'payment_due', category: 'UTILITY' });
    const pending = await createTemplate(herald, first, { name: 'fresh_offer', submit: true, category: 'MARKETING' });
    const a = await createTemplate(herald, first, { name: 'payment_due' });
    const b = await createTemplate(herald, second, { name: 'payment_due' });
    expect([a.status, b.status, pending.status]).toEqual([201, 201, 201]);

    // Meta changes them, and its webhooks are lost.
    herald.sandbox.templates.change(first.wabaId, paused.id, { status: 'PAUSED', quality: 'RED' }, { webhook: false });
    herald.sandbox.templates.change(second.wabaId, recategorised.id, { category: 'MARKETING' }, { webhook: false });
    herald.sandbox.templates.change(first.wabaId, pending.body.metaTemplateId, { status: 'APPROVED' }, { webhook: false });
    await sleep(500);
    expect(await templateOf(herald, first.token, a.body.id)).toMatchObject({ status: 'APPROVED', quality: 'GREEN' });
    expect(await templateOf(herald, first.token, pending.body.id)).toMatchObject({ status: 'PENDING' });

    // Created idempotently (the worker does this at start in cloud mode), then triggered rather than awaited.
    const schedule = templateSyncSchedule({ temporal: herald.temporal, taskQueue: herald.config.TEMPORAL_TASK_QUEUE });
    const scheduleId = await schedule.ensure(3_600_000);
    expect(await schedule.ensure(3_600_000)).toBe(scheduleId);
    await herald.temporal.schedule.getHandle(scheduleId).trigger();

    expect(await waitForTemplate(herald, first.token, a.body.id, (shown) => shown.status === 'PAUSED', 30_000)).toMatchObject({ status: 'PAUSED', quality: 'RED' });
    expect(await waitForTemplate(herald, second.token, b.body.id, (shown) => shown.category === 'MARKETING', 30_000)).toMatchObject({ category: 'MARKETING', status: 'APPROVED' });
    expect(await waitForTemplate(herald, first.token, pending.body.id, (shown) => shown.status === 'APPROVED', 30_000)).toMatchObject({ status: 'APPROVED' });

    const described = await herald.temporal.schedule.getHandle(scheduleId).describe();
    expect(described.info.recentActions.length).toBeGreaterThan(0);
  });
});
