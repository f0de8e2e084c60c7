// Temporal's Java time-skipping test server for one test file, with a client that can move its clock.
// The SDK's TestWorkflowEnvironment.createTimeSkipping gives a started server 5 s to listen (a JVM on a
// busy 2-core machine can take longer), so the server is started here and reached the same way the SDK does.
import { Connection } from '@temporalio/client';
import { InternalConnectionOptionsSymbol } from '@temporalio/client/lib/connection.js';
import { msToTs, tsToMs } from '@temporalio/common/lib/time.js';
import { freePort } from '../../server/shared/ports.ts';
import { ensureTemporalTestServer, startTemporalTestServer } from '../../scripts/lib/temporal-test-server.ts';

export interface TimeSkippingServer {
  address: string;
  /** The server's clock (workflow time), in ms since the epoch. */
  now(): Promise<number>;
  /** Skips the server's clock ahead by `ms`, firing every timer due meanwhile; after it, time runs at normal speed. */
  skip(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function startTimeSkippingServer(): Promise<TimeSkippingServer> {
  const classpath = await ensureTemporalTestServer((line) => console.log(`[time-skipping] ${line}`));
  const server = await startTemporalTestServer({ classpath, port: await freePort() });
  // The test service (clock control) is offered only on a connection told the server has it.
  const connection = await Connection.connect({ address: server.address, [InternalConnectionOptionsSymbol]: { supportsTestService: true } } as Parameters<typeof Connection.connect>[0]);
  const testService = connection.testService!;
  return {
    address: server.address,
    now: async () => tsToMs((await testService.getCurrentTime({})).time),
    skip: async (ms) => void (await testService.unlockTimeSkippingWithSleep({ duration: msToTs(ms) })),
    async close() {
      await connection.close();
      await server.stop();
    },
  };
}
