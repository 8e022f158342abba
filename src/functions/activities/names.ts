/** Activity and orchestrator names, shared by registrations and callers. */
export const ACTIVITY = {
  uploadSetupScript: 'uploadSetupScript',
  ensureTierStep: 'ensureTierStep',
  upgradeInstances: 'upgradeInstances',
  rollingUpgradeStatus: 'rollingUpgradeStatus',
  setCapacity: 'setCapacity',
  collectInstanceFacts: 'collectInstanceFacts',
  probeListedInstances: 'probeListedInstances',
  probeFrontEnd: 'probeFrontEnd',
  repairInstances: 'repairInstances',
  readScheduledScaleSets: 'readScheduledScaleSets',
  startScheduleChange: 'startScheduleChange',
  setVmSize: 'setVmSize',
  listStaleInstances: 'listStaleInstances',
  upgradeInstanceBatch: 'upgradeInstanceBatch',
  recordRun: 'recordRun',
  repairTargets: 'repairTargets',
  reserveRepairs: 'reserveRepairs',
  listKeptEvents: 'listKeptEvents',
  dropKeptEvents: 'dropKeptEvents',
  handOverEvents: 'handOverEvents',
  pollArmOperation: 'pollArmOperation',
} as const;

export const ORCHESTRATOR = {
  deployTier: 'deployTier',
  verifyScaleSet: 'verifyScaleSet',
  scaleScaleSet: 'scaleScaleSet',
  watchScaleSet: 'watchScaleSet',
  evaluateSchedules: 'evaluateSchedules',
  applySchedule: 'applySchedule',
  handOverScaleEvents: 'handOverScaleEvents',
} as const;
