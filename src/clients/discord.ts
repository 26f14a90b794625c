import { parseJson, createHttp, send, statusError, bodyText, shorten, type UpstreamObserver } from './http.js';

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
    let retryAfterMs: number | undefined;
    if (response.status === 429) {
      const body = parseJson(response) as { retry_after?: unknown } | undefined;
      const seconds = Number(body?.retry_after ?? response.headers['retry-after']);
      if (Number.isFinite(seconds) && seconds >= 0) retryAfterMs = Math.ceil(seconds * 1000);
    }
    const detail = shorten(bodyText(response), 120);
    throw statusError(`Discord respondeu HTTP ${response.status}${detail ? `: ${detail}` : ''}`, response.status, { retryAfterMs });
  }
}
