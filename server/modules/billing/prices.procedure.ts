import { z } from 'zod';
import { creditsOutput, formatCredits } from '../../shared/money.ts';
import { authedProcedure } from '../../trpc/init.ts';

const pricesOutput = z
  .object({
    MARKETING: creditsOutput,
    UTILITY: creditsOutput,
    AUTHENTICATION: creditsOutput,
  })
  .meta({ id: 'Prices', example: { MARKETING: '0.0500', UTILITY: '0.0200', AUTHENTICATION: '0.0150' } });

export const pricesProcedure = authedProcedure
  .meta({
    roles: ['SUPER_ADMIN', 'ADMIN', 'SUB_ADMIN'],
    openapi: {
      method: 'GET',
      path: '/billing/prices',
      tags: ['billing'],
      summary: 'Credits per message, by template category',
      description:
        "What a message is debited at dispatch. A UTILITY template dispatched while the contact's " +
        '24-hour customer-service window is open on its channel (the contact wrote to that number in the last 24 hours) costs 0 ' +
        "and is not debited (the message shows `priceReason: FREE_SERVICE_WINDOW`); a message Meta reports as not billable is refunded.",
      protect: true,
    },
  })
  .input(z.void())
  .output(pricesOutput)
  .query(({ ctx }) => {
    const prices = ctx.services.config.prices;
    return { MARKETING: formatCredits(prices.MARKETING), UTILITY: formatCredits(prices.UTILITY), AUTHENTICATION: formatCredits(prices.AUTHENTICATION) };
  });
