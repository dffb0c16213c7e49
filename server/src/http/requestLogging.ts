import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { httpRequestDurationSeconds, httpRequestsTotal } from '../ops/metrics.js';
import { requestIdOf } from './requestId.js';

/** The request's logger (carries the request id), once `logRequests` ran. */
export function requestLogger(res: Response): Logger | undefined {
  return res.locals['log'] as Logger | undefined;
}

/** Marks the path a router is mounted at, so metrics name routes by their full pattern. */
export function labelMount(mountPath: string): RequestHandler {
  return (_req, res, next) => {
    res.locals['mountPath'] = mountPath;
    next();
  };
}

/** The route pattern (never the raw path: ids would explode the label set). */
function routeLabel(req: Request, res: Response): string {
  const mountPath = typeof res.locals['mountPath'] === 'string' ? res.locals['mountPath'] : '';
  const routePath: unknown = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof routePath === 'string') return mountPath + (routePath === '/' && mountPath ? '' : routePath);
  return mountPath ? `${mountPath}/*` : 'unmatched';
}

/**
 * One child logger per request (with its id) and one line when it ends:
 * method, path without the query, status, time. Also feeds the HTTP metrics.
 */
export function logRequests(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const log = logger.child({ reqId: requestIdOf(res) });
    res.locals['log'] = log;
    const path = req.path;
    let done = false;
    const finish = (outcome: 'finished' | 'aborted'): void => {
      if (done) return;
      done = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { method: req.method, route: routeLabel(req, res), status: String(res.statusCode) };
      httpRequestsTotal.inc(labels);
      httpRequestDurationSeconds.observe(labels, seconds);
      const line = { method: req.method, path, status: res.statusCode, ms: Math.round(seconds * 1000), outcome };
      if (res.statusCode >= 500) log.warn(line, 'request answered with a server error');
      else log.info(line, 'request');
    };
    res.on('finish', () => finish('finished'));
    res.on('close', () => finish('aborted'));
    next();
  };
}
