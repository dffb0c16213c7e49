import { AnalysisPool, type AnalysisPoolOptions } from '../pool/analysisPool.js';
import type { Component } from '@m2m/service-kit';

/** The analysis pool as a part of the worker: its threads start loading at `start` and are terminated at `stop`. */
export class AnalysisThreads implements Component {
  readonly name = 'analysis pool';
  private current: AnalysisPool | undefined;

  constructor(private readonly options: AnalysisPoolOptions) {}

  get pool(): AnalysisPool {
    if (!this.current) throw new Error('the analysis pool is not started');
    return this.current;
  }

  async start(): Promise<void> {
    this.current ??= new AnalysisPool(this.options);
  }

  async stop(): Promise<void> {
    await this.current?.close();
  }
}
