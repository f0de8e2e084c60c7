// Meta finds a template by name under the sending number's WABA, while Herald prices a message by the template it
// stored. A template sent through a number of another WABA would go out as whatever that WABA holds under the
// name (a MARKETING template at the UTILITY price, say), so a template only goes out from the WABA it was made under.
import { AppError } from '../../shared/errors.ts';

/** A number a template was made for or a message leaves from: a channel and its WABA, or the platform number (both null). */
export interface NumberHome {
  channelId: string | null;
  /** The channel's WABA; null for the platform number, which shares its WABA with no tenant's channel. */
  wabaId: string | null;
}

export const PLATFORM_HOME: NumberHome = { channelId: null, wabaId: null };

/** The home of a channel as read (an entity or a row), or the platform number's when there is none. */
export const homeOf = (channel: { id: string; wabaId: string } | null | undefined): NumberHome =>
  channel ? { channelId: channel.id, wabaId: channel.wabaId } : PLATFORM_HOME;

/** Whether a template made for `template` may go out from `sending`: the same number, or another channel of the same WABA. */
export function templateOnChannel(template: NumberHome, sending: NumberHome): 'OK' | 'TEMPLATE_NOT_ON_CHANNEL' {
  if (template.channelId === sending.channelId) return 'OK';
  return template.wabaId !== null && template.wabaId === sending.wabaId ? 'OK' : 'TEMPLATE_NOT_ON_CHANNEL';
}

/** A template a message (or one of its escalation levels) would send: where it was made, and how to name it. */
export interface TemplateToSend {
  home: NumberHome;
  /** 0: the message's own template; n: escalation level n's. */
  level: number;
}

const numberName = (home: NumberHome) => (home.channelId === null ? 'the platform number' : `channel ${home.channelId} (WABA ${home.wabaId})`);

/** templateOnChannel for each template a message would send, refused (422 TEMPLATE_NOT_ON_CHANNEL) at the first that may not go. */
export function refuseTemplatesOffChannel(templates: readonly TemplateToSend[], sending: NumberHome): void {
  for (const { home, level } of templates) {
    if (templateOnChannel(home, sending) === 'OK') continue;
    const what = level === 0 ? 'The template' : `The template of escalation level ${level}`;
    throw new AppError(
      'UNPROCESSABLE_CONTENT',
      `${what} was created for ${numberName(home)}, another WhatsApp Business Account than ${numberName(sending)} it would be sent from`,
      { reason: 'TEMPLATE_NOT_ON_CHANNEL' },
    );
  }
}
