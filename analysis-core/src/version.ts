/** Stamped on every analysis and progress document; bump it when any result can change. */
export const ANALYSIS_VERSION = '1.0.0';
