/**
 * The app's entry point (package.json `main`): importing a function module registers it with the
 * Functions host (or with the local runner, through the same `@azure/functions-core` seam).
 * Each function lives in its own file and registers itself at the bottom.
 */
import './http/health';
import './http/deployments';
import './http/deploymentStatus';
import './http/scaleSets';
import './orchestrators/deployTier';
import './orchestrators/verifyScaleSet';
import './orchestrators/scaleScaleSet';
import './activities/uploadSetupScript';
import './activities/ensureTierStep';
import './activities/upgradeInstances';
import './activities/rollingUpgradeStatus';
import './activities/setCapacity';
import './activities/collectInstanceFacts';
import './activities/probeInstances';
import './activities/probeFrontEnd';
import './http/autoscaleWebhook';
import './eventGrid/scaleSetEvents';
import './orchestrators/watchScaleSet';
import './activities/repairInstances';
import './activities/repairTargets';
import './activities/reserveRepairs';
import './activities/listKeptEvents';
import './activities/readRepairLimits';
import './activities/dropKeptEvents';
import './activities/handOverEvents';
import './orchestrators/handOverEvents';
import './activities/readScheduledScaleSets';
import './activities/startScheduleChange';
import './activities/resizeInstances';
import './activities/recordRun';
import './activities/pollArmOperation';
import './activities/readSurgeRoom';
import './activities/leaveBackendPool';
import './activities/joinBackendPool';
import './activities/deleteInstances';
import './orchestrators/evaluateSchedules';
import './orchestrators/applySchedule';
import './timers/scheduleTimer';
import './timers/keptEventsSweep';
import './http/schedules';
import './http/schedulesEvaluate';
import './http/fleetPage';
import './http/fleetData';
import './http/fleetReport';
