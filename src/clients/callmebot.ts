import { PermanentError, TransientError } from '../domain/errors.js';
import { MAX_SCANNED } from '../domain/upstream-text.js';
import { bodyText, classifyStatus, createHttp, send, shorten, statusError, type UpstreamObserver } from './upstream-http.js';

export interface CallMeBotConfig {
  baseUrl: string;
  phone: string;
  apiKey: string;
  timeoutMs: number;
  /** Told of every call (the metrics). */
  observer?: UpstreamObserver;
}

const RATE_LIMIT_BACKOFF_MS = 5 * 60 * 1000;

/**
 * CallMeBot WhatsApp: `GET /whatsapp.php?phone&text&apikey`. It answers text/HTML and its HTTP
 * status is unreliable: only a 200 saying "Message queued" is a success.
 */
export class CallMeBotClient {
  private readonly http;

  constructor(private readonly config: CallMeBotConfig) {
    this.http = createHttp(config.baseUrl, config.timeoutMs);
  }

  async sendWhatsApp(text: string): Promise<void> {
    const params = new URLSearchParams({
      phone: this.config.phone.replace(/\D/g, ''),
      text,
      apikey: this.config.apiKey,
    });
    const response = await send('CallMeBot', () => this.http.get<string>(`/whatsapp.php?${params.toString()}`), 'CALLMEBOT_BASE_URL', {
      observer: this.config.observer,
      system: 'callmebot',
      operation: 'send_message',
    });
    // Its answer is a short page: the start of it says what happened (nothing scans a huge one).
    const body = bodyText(response).slice(0, MAX_SCANNED);
    if (response.status === 200 && body.includes('Message queued')) return;
    if (/too many requests/i.test(body) || response.status === 429) {
      throw new TransientError('CallMeBot limitou o envio (Too many requests).', 'rate_limited', RATE_LIMIT_BACKOFF_MS);
    }
    if (/apikey is invalid/i.test(body)) {
      throw new PermanentError('CallMeBot recusou a APIKey (CALLMEBOT_APIKEY inválida para CALLMEBOT_PHONE).', 'bad_apikey');
    }
    if (/paused/i.test(body)) {
      throw new PermanentError('Conta do CallMeBot pausada: o telefone do suporte deve enviar "resume" ao bot.', 'paused');
    }
    if (classifyStatus(response.status) === 'transient') throw statusError(`CallMeBot respondeu HTTP ${response.status}.`, response.status);
    throw new TransientError(`CallMeBot não confirmou o envio (HTTP ${response.status}): ${shorten(body, 120)}`, 'not_queued');
  }
}
