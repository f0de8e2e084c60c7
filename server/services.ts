import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Orm } from './db/orm.ts';
import type { SigningKeys } from './modules/auth/keys.ts';
import type { ChannelSettings } from './modules/channels/channels.service.ts';
import type { TokenSettings } from './modules/auth/tokens.ts';
import type { CampaignWorkflows } from './modules/campaigns/ports.ts';
import type { MessageWorkflows } from './modules/messages/ports.ts';
import type { RunEcho } from './temporal/echo-workflow.ts';

/** Everything the API's procedures and health checks need, built once per process. */
export interface Services {
  config: Config;
  orm: Orm;
  /** The process's one Temporal client (health checks; tests inspect workflows through it). */
  temporal: Client;
  messageWorkflows: MessageWorkflows;
  campaignWorkflows: CampaignWorkflows;
  runEcho: RunEcho;
  logger: Logger;
  keys: SigningKeys;
  tokens: TokenSettings;
  /** Verifies Meta's webhook signatures (and signs the sandbox's); generated per process in sandbox mode when unset. */
  webhookSecret: string | undefined;
  /** Channel tokens' encryption and where Meta is checked (cloud mode) or Embedded Signup goes. */
  channels: ChannelSettings;
}
