import type { ErrorRequestHandler, RequestHandler, Response } from 'express';

/** Error bodies are JSON and pt-BR: `{"ok":false,"error":"..."}`. */
export function sendError(res: Response, status: number, message: string): void {
  res.status(status).json({ ok: false, error: message });
}

export const notFound: RequestHandler = (_req, res) => sendError(res, 404, 'Rota não encontrada.');

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const type = (err as { type?: string }).type;
  const status = Number((err as { status?: number }).status);
  if (type === 'entity.too.large') return sendError(res, 413, 'Corpo da requisição maior que o limite aceito.');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return sendError(res, 415, 'Codificação do corpo não suportada.');
  }
  if (status >= 400 && status < 500) return sendError(res, status, 'Requisição inválida.');
  req.log?.error({ err }, 'erro ao atender requisição');
  if (res.headersSent) return;
  sendError(res, 500, 'Erro interno. Tente novamente.');
};
