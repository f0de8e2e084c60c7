// What the campaigns domain needs from the workflow engine, declared as a type: server/temporal/ implements it
// and the API and the worker build it once.

/** A campaign's own workflow, as the domain drives it. */
export interface CampaignWorkflows {
  /** Idempotent: the workflow id derives from the campaign id. */
  start(campaign: { id: string; tenantId: string }): Promise<void>;
  /** The campaign was paused, resumed or cancelled (nothing when its workflow has ended). */
  changed(campaignId: string): Promise<void>;
}
