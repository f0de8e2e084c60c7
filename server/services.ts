import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Orm } from './db/orm.ts';

/** Everything the API's procedures and health checks need, built once per process. */
export interface Services {
  config: Config;
  orm: Orm;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
}
