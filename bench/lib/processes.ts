// Herald's API and worker as production runs them: separate Node processes started from their entry points,
// so the benchmark measures what each costs (time and peak memory) without sharing an event loop with the load.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/**
 * As `npm run start:api` / `start:worker` run them. Node 24 lets the young generation grow to 128 MB here
 * (64 MB semi-spaces), mostly empty between scavenges; 8 MB semi-spaces take ~90 MB off each peak RSS.
 */
const NODE_FLAGS = ['--max-semi-space-size=8'];

export interface HeraldProcess {
  name: string;
  child: ChildProcess;
  /** Peak resident memory so far (the kernel's high-water mark), in MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

export function startHeraldProcess(name: 'api' | 'worker', env: Record<string, string>): HeraldProcess {
  const child = spawn(process.execPath, [...NODE_FLAGS, `server/entrypoints/${name}.ts`], {
    cwd: ROOT,
    // BENCH_NODE_OPTIONS reaches Herald's processes only (a profiler, a memory probe), never the load or the floor.
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}), ...env },
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
