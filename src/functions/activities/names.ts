/** Activity and orchestrator names, shared by registrations and callers. */
export const ACTIVITY = {
  uploadSetupScript: 'uploadSetupScript',
  ensureTierStep: 'ensureTierStep',
  upgradeInstances: 'upgradeInstances',
  rollingUpgradeStatus: 'rollingUpgradeStatus',
  setCapacity: 'setCapacity',
  collectInstanceFacts: 'collectInstanceFacts',
  probeInstances: 'probeInstances',
  probeFrontEnd: 'probeFrontEnd',
} as const;

export const ORCHESTRATOR = {
  deployTier: 'deployTier',
  verifyScaleSet: 'verifyScaleSet',
  scaleScaleSet: 'scaleScaleSet',
} as const;
