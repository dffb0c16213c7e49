// The naming is shared with the worker, so it lives in analysis-core.
export { userDatabases } from '@m2m/analysis-core';
