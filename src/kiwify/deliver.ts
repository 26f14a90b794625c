import { signKiwify } from './signature.js';

/** Posts a delivery the way Kiwify does: the body as is, its signature in `?signature=`. */
export function postSignedDelivery(webhookUrl: string, body: Buffer, token: string): Promise<Response> {
  const url = new URL(webhookUrl);
  url.searchParams.set('signature', signKiwify(body, token));
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}
