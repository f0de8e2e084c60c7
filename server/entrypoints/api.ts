// Production entry point for the API alone: reads configuration only (no embedded services).
import { loadConfigOrExit, requireSettings } from '../config.ts';
import { createLogger, onShutdown, openDatabase, startApi } from '../runtime.ts';

const config = loadConfigOrExit();
requireSettings(config, ['DATABASE_URL', 'TEMPORAL_ADDRESS'], '`npm start` provides embedded ones for development');
const logger = createLogger(config, 'herald-api');
const endpoints = { databaseUrl: config.DATABASE_URL!, temporalAddress: config.TEMPORAL_ADDRESS! };

const orm = await openDatabase(endpoints.databaseUrl, logger);
const api = await startApi(config, endpoints, orm, logger);
logger.info({ url: api.url }, 'Herald API listening');
onShutdown(logger, async () => {
  await api.close();
  await orm.close();
});
