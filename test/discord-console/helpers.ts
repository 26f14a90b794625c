import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { FakeDiscordApi } from '../../src/sandbox/fake-discord-rest.js';

/** Ids of the school's Discord server, its support role and people in it (fakes). */
export const GUILD = '300000000000000001';
export const OTHER_GUILD = '300000000000000999';
export const ROLE = '400000000000000001';
export const CHANNEL = '600000000000000001';
export const ANA = { id: '500000000000000001', username: 'ana' };
export const BRUNO = { id: '500000000000000002', username: 'bruno' };

/** An Ed25519 key pair made for the test: the public key as Discord shows it (hex), and a signer. */
export interface DiscordKeys {
  publicKeyHex: string;
  privateKey: KeyObject;
}

export function discordKeys(): DiscordKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { publicKeyHex: der.subarray(der.length - 32).toString('hex'), privateKey };
}

export function signInteraction(keys: DiscordKeys, timestamp: string, body: string | Buffer): string {
  return sign(null, Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]), keys.privateKey).toString('hex');
}

export const nowSeconds = () => String(Math.floor(Date.now() / 1000));

/** The text Discord shows for `markdown`: a backslash before a punctuation character shows that character, nothing else. */
export function shown(markdown: string): string {
  return markdown.replace(/\\([^\p{L}\p{N}\s])/gu, '$1');
}

/** The server's environment for the Discord console, pointed at the fake REST API. */
export function discordEnv(keys: DiscordKeys, api: FakeDiscordApi, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DISCORD_APPLICATION_ID: api.applicationId,
    DISCORD_PUBLIC_KEY: keys.publicKeyHex,
    DISCORD_BOT_TOKEN: api.botToken,
    DISCORD_GUILD_ID: GUILD,
    DISCORD_SUPPORT_ROLE_ID: ROLE,
    DISCORD_API_URL: api.apiUrl,
    ...extra,
  };
}

export interface Who {
  guild_id?: string;
  member?: { user: { id: string; username: string }; roles: string[] };
  user?: { id: string; username: string };
}

export const supportMember: Who = { guild_id: GUILD, member: { user: ANA, roles: [ROLE] } };
export const nonMember: Who = { guild_id: GUILD, member: { user: BRUNO, roles: ['400000000000000777'] } };
export const inDm: Who = { user: BRUNO };
export const otherGuild: Who = { guild_id: OTHER_GUILD, member: { user: BRUNO, roles: [ROLE] } };

let seq = 0;
const base = (type: number, who: Who) => ({
  id: String(700_000_000_000_000_000 + (seq += 1)),
  application_id: '100000000000000001',
  token: `interaction-token-${seq}`,
  version: 1,
  type,
  ...who,
});

/** `/ponte <sub> opção:valor…` */
export function slash(sub: string, options: Record<string, string | number> = {}, who: Who = supportMember) {
  return {
    ...base(2, who),
    data: {
      id: '800000000000000001',
      name: 'ponte',
      type: 1,
      options: [
        {
          type: 1,
          name: sub,
          options: Object.entries(options).map(([name, value]) => ({ name, type: typeof value === 'number' ? 4 : 3, value })),
        },
      ],
    },
  };
}

/** A button pressed on a message. */
export function pressButton(customId: string, message: Record<string, unknown>, who: Who = supportMember) {
  return { ...base(3, who), data: { custom_id: customId, component_type: 2 }, message };
}

/** The note modal submitted. */
export function submitNote(customId: string, note: string, message?: Record<string, unknown>, who: Who = supportMember) {
  return {
    ...base(5, who),
    data: { custom_id: customId, components: [{ type: 1, components: [{ type: 4, custom_id: 'nota', value: note }] }] },
    ...(message ? { message } : {}),
  };
}

/** Posts an interaction signed with `keys` (or with the headers given). */
export async function postInteraction(
  baseUrl: string,
  keys: DiscordKeys,
  interaction: unknown,
  headers: { timestamp?: string; signature?: string } = {},
): Promise<{ status: number; body: any }> {
  const body = typeof interaction === 'string' ? interaction : JSON.stringify(interaction);
  const timestamp = headers.timestamp ?? nowSeconds();
  const res = await fetch(`${baseUrl}/discord/interactions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature-timestamp': timestamp,
      'x-signature-ed25519': headers.signature ?? signInteraction(keys, timestamp, body),
    },
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}
