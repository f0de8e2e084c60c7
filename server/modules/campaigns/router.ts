import { router } from '../../trpc/init.ts';
import {
  campaignMessagesProcedure,
  cancelCampaignProcedure,
  createCampaignProcedure,
  getCampaignProcedure,
  listCampaignsProcedure,
  pauseCampaignProcedure,
  resumeCampaignProcedure,
} from './campaigns.procedures.ts';

export const campaignsRouter = router({
  create: createCampaignProcedure,
  list: listCampaignsProcedure,
  get: getCampaignProcedure,
  messages: campaignMessagesProcedure,
  pause: pauseCampaignProcedure,
  resume: resumeCampaignProcedure,
  cancel: cancelCampaignProcedure,
});
