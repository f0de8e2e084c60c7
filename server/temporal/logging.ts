import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

let installed = false;
/** Where the installed runtime serves the SDK's metrics, if anywhere. */
let metricsAt: string | undefined;

/**
 * Routes the Temporal SDK's own logs (worker, bundler, core) into Herald's JSON log at WARN and above, and,
 * given `metricsAddress` (host:port), has the SDK serve its own Prometheus metrics there. The runtime is
 * installed once per process, so the first caller's settings hold: the address in effect is returned.
 */
export function installTemporalLogging(logger: Logger, level: LogLevel = 'WARN', metricsAddress?: string): string | undefined {
  if (installed) return metricsAt;
  installed = true;
  metricsAt = metricsAddress;
  const sdk = logger.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      const method = entry.level === 'ERROR' ? 'error' : entry.level === 'WARN' ? 'warn' : entry.level === 'INFO' ? 'info' : 'debug';
      sdk[method](entry.meta ?? {}, entry.message);
    }),
    // Counters end in _total, as Prometheus expects, so dashboards can rate() them by the usual names.
    ...(metricsAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress, countersTotalSuffix: true } } } } : {}),
  });
  return metricsAt;
}
