import { Campaign } from '../modules/campaigns/campaign.entity.ts';
import { LedgerEntry } from '../modules/billing/ledger-entry.entity.ts';
import { Channel } from '../modules/channels/channel.entity.ts';
import { Contact } from '../modules/contacts/contact.entity.ts';
import { InboundMessage } from '../modules/inbound/inbound-message.entity.ts';
import { EscalationPolicy } from '../modules/escalations/escalation-policy.entity.ts';
import { Message, MessageStatusEvent } from '../modules/messages/message.entity.ts';
import { Template } from '../modules/templates/template.entity.ts';
import { Tenant } from '../modules/tenants/tenant.entity.ts';
import { User } from '../modules/users/user.entity.ts';

/** Every entity, listed explicitly (no folder scanning), so the ORM and the migrations see the same set. */
export const entities = [
  Tenant,
  User,
  Contact,
  Template,
  LedgerEntry,
  Message,
  MessageStatusEvent,
  Channel,
  InboundMessage,
  EscalationPolicy,
  Campaign,
] as const;
