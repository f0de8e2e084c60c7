// Herald's API and worker as production runs them: separate Node processes started from their entry points,
// so the benchmark measures what each costs (time and peak memory) without sharing an event loop with the load.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startSandboxServer, type SandboxServer } from '../../server/modules/whatsapp/sandbox-server.ts';
import { freePort } from '../../server/shared/ports.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The node arguments (flags and entry point) of `npm run start:api` / `start:worker`, read from package.json so
 * these processes start exactly as production's; the script's leading Node version check is left out.
 */
export function startCommand(name: 'api' | 'worker'): string[] {
  const scripts = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts;
  const script = scripts[`start:${name}`];
  const last = script?.split('&&').at(-1)?.trim().split(/\s+/);
  if (!last || last[0] !== 'node') throw new Error(`package.json's start:${name} does not end with a node command: ${script}`);
  return last.slice(1);
}

export interface HeraldProcess {
  name: string;
  child: ChildProcess;
  /** Peak resident memory so far (the kernel's high-water mark), in MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

/** `onlyGiven`: the process sees only `env` (and PATH), as a container sees only its compose environment. */
export function startHeraldProcess(name: 'api' | 'worker', env: Record<string, string>, options: { onlyGiven?: boolean } = {}): HeraldProcess {
  const inherited = options.onlyGiven ? { PATH: process.env.PATH ?? '' } : process.env;
  const child = spawn(process.execPath, startCommand(name), {
    cwd: ROOT,
    // BENCH_NODE_OPTIONS reaches Herald's processes only (a profiler, a memory probe), never the load or the floor.
    env: { ...inherited, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') process.stderr.write(`[bench] ${name} exited (${signal ?? code}): ${stderr}\n`);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    name,
    child,
    peakRssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
      return kb / 1024;
    },
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls until `url` answers 200 (the API's /healthz), or fails after a minute. */
export async function waitForHttp(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer within 60 s`);
}

/** The environment of a benchmark's Herald processes: the bench's engines, a task queue of its own, sandbox mode. */
export function heraldEnv(engines: { databaseUrl: string; scratch: string }, temporalAddress: string, port: number, extra: Record<string, string> = {}) {
  return {
    DATABASE_URL: engines.databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: `bench-${randomUUID()}`,
    PORT: String(port),
    HOST: '127.0.0.1',
    HERALD_DATA_DIR: engines.scratch,
    WHATSAPP_MODE: 'sandbox',
    // One client address makes every sign-up of the benchmark.
    AUTH_RATE_LIMIT_PER_IP: '100000',
    ...extra,
  };
}

/** Meta's statuses held back (10 minutes): the machine's cores go to the sends a benchmark measures. */
const SILENT_STATUSES = { sent: 600_000, delivered: 600_000, read: 600_000 };

/**
 * Herald's API and worker processes in sandbox mode, the platform number sending through a local Meta stand-in
 * whose statuses are held back; ready once the API answers. `stop` ends all three.
 */
export async function startHeraldWithStandIn(engines: { databaseUrl: string; scratch: string; temporalAddress(): Promise<string> }) {
  const temporalAddress = await engines.temporalAddress();
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}`;
  const appSecret = randomUUID();
  const platformToken = `bench-${randomUUID()}`;
  const sandbox: SandboxServer = await startSandboxServer({
    webhookUrl: `${apiUrl}/webhook/meta`, appSecret, accessToken: platformToken, delaysMs: SILENT_STATUSES, log: { info() {}, warn() {}, error() {} },
  });
  const env = heraldEnv(engines, temporalAddress, port, { WHATSAPP_API_BASE_URL: sandbox.url, WHATSAPP_ACCESS_TOKEN: platformToken, WHATSAPP_APP_SECRET: appSecret });
  const api = startHeraldProcess('api', env);
  const worker = startHeraldProcess('worker', env);
  const stop = async () => {
    await api.stop();
    await worker.stop();
    await sandbox.close();
  };
  try {
    await waitForHttp(`${apiUrl}/healthz`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { apiUrl, sandbox, stop };
}
