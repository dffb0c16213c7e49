/** Stamped on every analysis and progress document; bump it when any result can change. */
export const ANALYSIS_VERSION = '2.0.0';
