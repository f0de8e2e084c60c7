import { router } from '../../trpc/init.ts';
import {
  createChannelProcedure,
  embeddedSignupProcedure,
  getChannelProcedure,
  listChannelsProcedure,
  updateChannelProcedure,
} from './channels.procedures.ts';

export const channelsRouter = router({
  create: createChannelProcedure,
  embeddedSignup: embeddedSignupProcedure,
  list: listChannelsProcedure,
  get: getChannelProcedure,
  update: updateChannelProcedure,
});
