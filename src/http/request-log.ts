import { randomUUID } from 'node:crypto';
import type { Express, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../log/logger.js';

declare module 'http' {
  interface IncomingMessage {
    /** The request id: a sane `x-request-id` from the caller, else a new uuid (echoed in the answer). */
    id: string;
    /** A logger whose lines carry `reqId` (made on first use: most requests never log but their one line). */
    log: Logger;
  }
}

const REQUEST_ID = /^[\w.-]{1,64}$/;

/**
 * One line per request, when its answer has gone (or the client left): method, masked URL and id
 * (`req`), status (`res`), milliseconds (`responseTime`), plus whatever the route put in
 * `res.locals.log` and `res.locals.logMessage`. Level: error from 500, warn from 400 and for an
 * answer never finished, debug for `/metrics`, info otherwise. No headers, no body.
 *
 * It replaced pino-http on the webhook's ack path: that made a child logger per request (a third
 * of a delivery's logging cost) and two listeners more; this one binds nothing until a route logs.
 */
export function requestLog(app: Express, log: Logger): RequestHandler {
  // `req.log` on the app's own request prototype (Express's `app.request`): a getter made once,
  // not a property defined on every request.
  const children = new WeakMap<object, Logger>();
  Object.defineProperty(app.request, 'log', {
    get(this: Request) {
      let child = children.get(this);
      if (!child) children.set(this, (child = log.child({ reqId: this.id })));
      return child;
    },
    configurable: true,
  });
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', id);
    req.id = id;
    const started = performance.now();
    res.once('close', () => line(log, res, Math.round(performance.now() - started)));
    next();
  };
}

function line(log: Logger, res: Response, responseTime: number): void {
  const req = res.req;
  const status = res.statusCode;
  const finished = res.writableFinished;
  const level = status >= 500 ? 'error' : status >= 400 || !finished ? 'warn' : req.url === '/metrics' ? 'debug' : 'info';
  if (!log.isLevelEnabled(level)) return;
  const fields = res.locals.log as Record<string, unknown> | undefined;
  const message = finished ? ((res.locals.logMessage as string | undefined) ?? `${req.method} ${status}`) : `${req.method} interrompida`;
  log[level]({ req, res, responseTime, ...fields }, message);
}
