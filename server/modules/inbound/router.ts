import { router } from '../../trpc/init.ts';
import { listInboundMessagesProcedure, sandboxInboundProcedure } from './inbound.procedures.ts';

export const inboundRouter = router({ list: listInboundMessagesProcedure, simulate: sandboxInboundProcedure });
