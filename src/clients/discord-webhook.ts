import { createHttp, send, statusError, bodyText, shorten, retryAfterOf, type UpstreamObserver } from './upstream-http.js';

/** Discord webhook: JSON `{content}` (≤ 2000 chars), 204 on success, 429 with `retry_after` seconds. */
export class DiscordClient {
  private readonly http;

  constructor(
    private readonly webhookUrl: string,
    timeoutMs: number,
    /** Told of every call (the metrics). */
    private readonly observer?: UpstreamObserver,
  ) {
    this.http = createHttp('', timeoutMs, { 'content-type': 'application/json' });
  }

  async send(content: string): Promise<void> {
    const response = await send(
      'Discord',
      () => this.http.post<string>(this.webhookUrl, JSON.stringify({ content, allowed_mentions: { parse: [] } })),
      undefined,
      { observer: this.observer, system: 'discord', operation: 'send_message' },
    );
    if (response.status >= 200 && response.status < 300) return;
    const retryAfterMs = response.status === 429 ? retryAfterOf(response, Date.now()) : undefined;
    const detail = shorten(bodyText(response), 120);
    throw statusError(`Discord respondeu HTTP ${response.status}${detail ? `: ${detail}` : ''}`, response.status, { retryAfterMs });
  }
}
