import type { Registry } from 'prom-client';
import { startMetricsServer, type MetricsServer, type ReadinessReport } from '@m2m/service-kit';
import type { Component } from '@m2m/service-kit';

/** GET /metrics, /health and /ready on their own port, when a port is configured. */
export class MetricsEndpoint implements Component {
  readonly name = 'metrics server';
  private server: MetricsServer | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly port: number | undefined,
    private readonly host: string,
    private readonly readiness: () => ReadinessReport,
  ) {}

  /** Its base URL once started; undefined without a port. */
  get url(): string | undefined {
    return this.server?.url;
  }

  async start(): Promise<void> {
    if (this.port !== undefined) this.server = await startMetricsServer(this.registry, this.port, this.host, this.readiness);
  }

  async stop(): Promise<void> {
    await this.server?.close();
  }
}
