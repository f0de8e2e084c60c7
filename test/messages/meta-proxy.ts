// A pass-through in front of the WhatsApp sandbox, over real HTTP: every send reaches the sandbox (which
// records it and answers in Meta's format), and the test decides when the answer goes back to Herald.
import { createServer } from 'node:http';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { RunningWorker } from '../../server/temporal/worker.ts';
import { startHarness, startTestWorker, type Harness } from '../support/harness.ts';
import { expectLedgerConsistent } from '../billing/support.ts';
import { SILENT_SANDBOX } from './support.ts';

export interface MetaProxy {
  /** Base URL for the Graph client, in place of the sandbox's. */
  url: string;
  /** Calls made through the proxy. */
  calls: number;
  /** The next answer waits for `beforeReply` (called once the sandbox has answered) before it is returned. */
  holdNext(beforeReply: () => Promise<void>): void;
  close(): Promise<void>;
}

export async function startMetaProxy(sandboxUrl: string): Promise<MetaProxy> {
  const target = new URL(sandboxUrl);
  let hold: (() => Promise<void>) | undefined;
  const proxy: MetaProxy = {
    url: '',
    calls: 0,
    holdNext(beforeReply) {
      hold = beforeReply;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer(async (request, response) => {
    proxy.calls += 1;
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const answer = await fetch(`${target.origin}${request.url}`, {
      method: request.method,
      headers: { 'content-type': 'application/json', authorization: String(request.headers.authorization ?? '') },
      body: Buffer.concat(chunks),
    });
    const body = await answer.text();
    const waitFor = hold;
    hold = undefined;
    await waitFor?.();
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  proxy.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}${target.pathname}`;
  return proxy;
}

export interface ProxyScene {
  herald: Harness;
  proxy: MetaProxy;
}

/**
 * For one describe block: a Herald whose worker sends through a Meta proxy, the sandbox's own statuses held back
 * (SILENT_SANDBOX), and the ledger verified after each test; filled in before the tests run.
 */
export function behindProxyScene(): ProxyScene {
  const scene = {} as ProxyScene;
  let worker: RunningWorker | undefined;
  beforeAll(async () => {
    scene.herald = await startHarness({ sandboxDelays: SILENT_SANDBOX });
    scene.proxy = await startMetaProxy(scene.herald.sandbox.url);
    worker = await startTestWorker(scene.herald.config, scene.herald.orm, scene.proxy.url);
  });
  afterEach(() => expectLedgerConsistent(scene.herald));
  afterAll(async () => {
    await worker?.stop();
    await scene.proxy?.close();
    await scene.herald?.close();
  });
  return scene;
}
