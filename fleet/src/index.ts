export { runFleet, type FleetProgress, type RunHooks } from './threads/fleetRunner.js';
export { checkFleetOptions, DEFAULT_OPTIONS, FleetOptionError, MAX_DEVICES_PER_THREAD, type FleetOptions } from './fleetOptions.js';
export { summarize, type FleetSummary, type RunFacts } from './summary/fleetSummary.js';
export { distribution, percentile, type Distribution } from './stats/percentiles.js';
export { parseArgs, parseRate, UsageError, USAGE, type Command } from './cli/args.js';
export { formatSummary } from './cli/formatSummary.js';
export { planDevice, type DevicePlan, type PlanOptions } from './device/devicePlan.js';
export { auditIds, type IdAudit } from './device/idAudit.js';
export type { DeviceReport, DeviceCheck, SessionTiming } from './threads/threadProtocol.js';
