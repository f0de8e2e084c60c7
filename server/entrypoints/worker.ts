// Production entry point for the Temporal worker alone: reads configuration only (no embedded services).
import { loadConfigOrExit, requireSettings } from '../config.ts';
import { createLogger, onShutdown, openDatabase, startHeraldWorker } from '../runtime.ts';

const config = loadConfigOrExit();
requireSettings(config, ['DATABASE_URL', 'TEMPORAL_ADDRESS'], '`npm start` provides embedded ones for development');
const logger = createLogger(config, 'herald-worker');
const endpoints = { databaseUrl: config.DATABASE_URL!, temporalAddress: config.TEMPORAL_ADDRESS! };

const orm = await openDatabase(endpoints.databaseUrl, logger);
const worker = await startHeraldWorker(config, endpoints, orm, logger);
logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, temporal: endpoints.temporalAddress }, 'Herald worker polling');
onShutdown(logger, async () => {
  await worker.stop();
  await orm.close();
});
