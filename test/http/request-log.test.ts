import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { requestLog } from '../../src/http/request-log.js';
import { createLogger } from '../../src/log/logger.js';
import { captureLogs } from '../helpers/logs.js';
import { waitFor } from '../helpers/runtime.js';

/** Issue 24: one cheap line per request, in place of pino-http's (a child logger per request). */
function appLogging(level = 'info') {
  const logs = captureLogs();
  const app = express();
  app.use(requestLog(app, createLogger(level, logs.stream)));
  app.post('/webhook', (req, res) => {
    res.locals.log = { eventId: 7, duplicate: false };
    res.locals.logMessage = 'evento recebido';
    res.json({ ok: true });
  });
  app.get('/warns', (req, res) => {
    req.log.warn({ reason: 'x' }, 'algo estranho');
    res.status(400).json({});
  });
  app.get('/fails', (_req, res) => void res.status(503).json({}));
  app.get('/metrics', (_req, res) => void res.send('m 1'));
  return { app, logs };
}

describe('the request log', () => {
  it("writes one line per request with the route's fields and message, the masked URL, the status and the time", async () => {
    const { app, logs } = appLogging();
    const res = await request(app).post('/webhook?signature=abc').set('x-request-id', 'pedido-1').send({});
    expect(res.headers['x-request-id']).toBe('pedido-1');
    await waitFor(() => logs.lines.length === 1, 2_000, 'the line');
    expect(logs.entries()[0]).toMatchObject({
      level: 'info',
      msg: 'evento recebido',
      eventId: 7,
      duplicate: false,
      req: { id: 'pedido-1', method: 'POST', url: '/webhook?signature=[redacted]' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
  });

  it("levels by status (warn from 400, error from 500, /metrics at debug); a route's own line carries the request id", async () => {
    const { app, logs } = appLogging();
    await request(app).get('/warns').set('x-request-id', 'pedido-2');
    await request(app).get('/fails');
    await request(app).get('/metrics');
    await waitFor(() => logs.lines.length === 3, 2_000, 'three lines');
    const entries = logs.entries();
    expect(entries[0]).toMatchObject({ level: 'warn', reqId: 'pedido-2', msg: 'algo estranho' });
    expect(entries[1]).toMatchObject({ level: 'warn', res: { statusCode: 400 } });
    expect(entries[2]).toMatchObject({ level: 'error', res: { statusCode: 503 } });
  });
});
