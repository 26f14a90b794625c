import type { AxiosInstance } from 'axios';
import { PermanentError, TransientError } from '../domain/errors.js';
import { alternateNinthDigit } from '../domain/phone.js';
import { textOf } from '../domain/text.js';
import { bodyText, classifyStatus, createHttp, parseJson, send, shorten, statusError, type UpstreamObserver } from './upstream-http.js';

export interface ChatProConfig {
  baseUrl: string;
  instanceId: string;
  token: string;
  timeoutMs: number;
  /** Told of every call (the metrics). */
  observer?: UpstreamObserver;
}

/** The number has no WhatsApp account (with or without the ninth digit). */
export class NotOnWhatsAppError extends PermanentError {
  constructor() {
    super('O número do aluno não tem WhatsApp (ChatPro: número não cadastrado).', 'not_on_whatsapp');
  }
}

export interface ChatProApi {
  /** Sends a text; resolves with the number it was delivered to. */
  sendMessage(number: string, message: string): Promise<{ number: string }>;
}

const NOT_REGISTERED = /n[aã]o est[aá] cadastrado|invalid wid/i;

/**
 * ChatPro WhatsApp: `POST {base}/{instance}/api/v1/send_message` with the raw instance token in
 * `Authorization`. 400 "não está cadastrado"/"Invalid WID" → no WhatsApp (one retry with the
 * other ninth-digit form); 401 → configuration error; 5xx and timeouts → transient.
 */
export class ChatProClient implements ChatProApi {
  private readonly http: AxiosInstance;

  constructor(private readonly config: ChatProConfig) {
    this.http = createHttp(config.baseUrl, config.timeoutMs, {
      authorization: config.token,
      'content-type': 'application/json',
    });
  }

  async sendMessage(number: string, message: string): Promise<{ number: string }> {
    try {
      await this.post(number, message);
      return { number };
    } catch (err) {
      const alternate = alternateNinthDigit(number);
      if (!(err instanceof NotOnWhatsAppError) || !alternate) throw err;
      await this.post(alternate, message);
      return { number: alternate };
    }
  }

  /** Connection check: `GET …/status` must say the instance's phone is connected. */
  async checkConnection(): Promise<void> {
    const path = `/${encodeURIComponent(this.config.instanceId)}/api/v1/status`;
    const response = await send('ChatPro', () => this.http.get<string>(path), 'CHATPRO_BASE_URL', {
      observer: this.config.observer,
      system: 'chatpro',
      operation: 'status',
    });
    const json = parseJson(response, 'ChatPro') as { connected?: unknown } | undefined;
    if (response.status === 401 || response.status === 403) {
      throw new PermanentError(
        `ChatPro recusou o token (CHATPRO_TOKEN / CHATPRO_INSTANCE_ID): HTTP ${response.status}.`,
        'chatpro_unauthorized',
      );
    }
    if (response.status === 404)
      throw new PermanentError('ChatPro não conhece esta instância: confira CHATPRO_INSTANCE_ID e CHATPRO_BASE_URL.', 'chatpro_instance');
    if (response.status >= 400 || json === undefined)
      throw new TransientError(`ChatPro não informou o status da instância (HTTP ${response.status}).`, `http_${response.status}`);
    if (json.connected !== true) {
      throw new PermanentError(
        'ChatPro desconectado: o celular da escola saiu do WhatsApp. Reconecte a instância no painel do ChatPro (ler o QR code).',
        'chatpro_disconnected',
      );
    }
  }

  private async post(number: string, message: string): Promise<void> {
    const path = `/${encodeURIComponent(this.config.instanceId)}/api/v1/send_message`;
    const response = await send('ChatPro', () => this.http.post<string>(path, JSON.stringify({ number, message })), 'CHATPRO_BASE_URL', {
      observer: this.config.observer,
      system: 'chatpro',
      operation: 'send_message',
    });
    const status = response.status;
    const json = parseJson(response, 'ChatPro') as { message?: unknown; status?: unknown } | undefined;
    if (status >= 200 && status < 300) {
      if (json?.status !== false) return;
      throw new TransientError(`ChatPro não confirmou o envio: ${shorten(textOf(json.message), 160)}`, 'chatpro_not_sent');
    }
    const detail = shorten(json?.message !== undefined ? textOf(json.message) : bodyText(response), 160);
    if (status === 400 && NOT_REGISTERED.test(detail)) throw new NotOnWhatsAppError();
    if (status === 401 || status === 403) {
      throw new PermanentError(`ChatPro recusou o token (CHATPRO_TOKEN / CHATPRO_INSTANCE_ID): HTTP ${status}.`, 'chatpro_unauthorized');
    }
    const verb = classifyStatus(status) === 'transient' ? 'falhou' : 'recusou a mensagem';
    throw statusError(`ChatPro ${verb} (HTTP ${status}): ${detail}`, status);
  }
}
