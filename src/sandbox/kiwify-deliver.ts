import { signKiwify } from '../intake/kiwify-signature.js';

/** Posts a delivery the way Kiwify does: the body as is, its signature in `?signature=`; gives up after `timeoutMs`. */
export function postSignedDelivery(webhookUrl: string, body: Buffer, token: string, timeoutMs = 10_000): Promise<Response> {
  const url = new URL(webhookUrl);
  url.searchParams.set('signature', signKiwify(body, token));
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs) });
}
