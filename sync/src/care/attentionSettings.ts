import { DEFAULT_ATTENTION_THRESHOLDS, type AttentionThresholds } from '@m2m/analysis-core';
import type { WorkerConfig } from '../config.js';

/**
 * The attention thresholds an operator sets (CARE_INACTIVE_DAYS,
 * CARE_DECLINE_PERCENT); the high level of each is twice the medium one, as
 * in analysis-core's defaults, and the windows stay the defaults'.
 */
export function attentionThresholdsOf(config: Pick<WorkerConfig, 'careInactiveDays' | 'careDeclinePercent'>): AttentionThresholds {
  return {
    ...DEFAULT_ATTENTION_THRESHOLDS,
    inactiveDays: config.careInactiveDays,
    inactiveHighDays: 2 * config.careInactiveDays,
    declineRelative: config.careDeclinePercent / 100,
    declineHighRelative: (2 * config.careDeclinePercent) / 100,
  };
}
