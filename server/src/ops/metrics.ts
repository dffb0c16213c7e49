import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { hashesWaiting } from '../accounts/passwordHashing.js';

/**
 * The gateway's Prometheus metrics, served at GET /metrics. One registry per
 * process: other parts of the gateway (the proxy) register or increment here.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'm2m_gateway_' });

export const httpRequestsTotal = new Counter({
  name: 'm2m_gateway_http_requests_total',
  help: 'HTTP requests answered, by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [metricsRegistry],
});

export const httpRequestDurationSeconds = new Histogram({
  name: 'm2m_gateway_http_request_duration_seconds',
  help: 'Time to answer an HTTP request, by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [metricsRegistry],
});

/** reason: bad_credentials, invalid_token, expired_token, unknown_account, ended_sign_in, refresh_<failure>, rate_limited, client_gone. */
export const authFailuresTotal = new Counter({
  name: 'm2m_gateway_auth_failures_total',
  help: 'Refused authentication attempts, by reason',
  labelNames: ['reason'] as const,
  registers: [metricsRegistry],
});

/** A queue here is a login or registration storm: each waits for one of the few hashes run at once. */
export const passwordHashesWaiting = new Gauge({
  name: 'm2m_gateway_password_hashes_waiting',
  help: 'Registrations and logins waiting for their password hash to start',
  registers: [metricsRegistry],
  collect() {
    this.set(hashesWaiting());
  },
});

/** For the replication proxy: upstream (store) calls that failed, by database kind and cause. */
export const proxyUpstreamErrorsTotal = new Counter({
  name: 'm2m_gateway_proxy_upstream_errors_total',
  help: 'Replication proxy requests to the store that failed (network, timeout or 5xx), by database and cause',
  labelNames: ['database', 'cause'] as const,
  registers: [metricsRegistry],
});
