// Run as a child process by crash-safety.test.ts: does step one of scheduling (store the message row)
// exactly as the API does, prints the id, then dies by SIGKILL before starting the workflow.
import { TENANT_FILTER } from '../../../server/db/tenant-scope.ts';
import { openOrm } from '../../../server/db/orm.ts';
import { storeMessage } from '../../../server/modules/messages/schedule.service.ts';

const env = (name: string) => process.env[name] ?? '';
const orm = await openOrm(env('DATABASE_URL'));
const em = orm.em.fork();
em.setFilterParams(TENANT_FILTER, { tenantId: env('TENANT_ID') });
const { message } = await storeMessage(em, env('TENANT_ID'), {
  templateId: env('TEMPLATE_ID'),
  contactId: env('CONTACT_ID'),
  scheduleTime: new Date(),
  idempotencyKey: env('IDEMPOTENCY_KEY'),
  parameters: {},
});
process.stdout.write(`${message.id}\n`, () => process.kill(process.pid, 'SIGKILL'));
