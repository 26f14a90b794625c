import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { PostedMessage } from '../sandbox/fake-discord-rest.js';

/**
 * The demo's side of Discord: the application's Ed25519 key pair (Discord keeps the private key
 * and signs every interaction with it; the bridge gets the public one as DISCORD_PUBLIC_KEY), the
 * school's server, its support role and one support member, and a button press sent exactly as
 * Discord sends it: `X-Signature-Ed25519` = Ed25519(timestamp + raw body), hex.
 */

export const DEMO_GUILD_ID = '300000000000000001';
export const DEMO_SUPPORT_ROLE_ID = '400000000000000001';
export const DEMO_ALERT_CHANNEL_ID = '600000000000000001';
/** The support member who presses the buttons. */
export const DEMO_MEMBER = { id: '500000000000000001', username: 'ana', global_name: 'Ana (suporte)' };

export interface DemoDiscordKeys {
  /** DISCORD_PUBLIC_KEY: the raw 32-byte key, hex, as the Developer Portal shows it. */
  publicKeyHex: string;
  privateKey: KeyObject;
}

export function demoDiscordKeys(): DemoDiscordKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { publicKeyHex: der.subarray(der.length - 32).toString('hex'), privateKey };
}

/** The DISCORD_* variables of the console for the demo's server (with the fake REST API's `apiEnv`). */
export function demoDiscordEnv(keys: DemoDiscordKeys, apiEnv: Record<string, string>): Record<string, string> {
  return {
    ...apiEnv,
    DISCORD_PUBLIC_KEY: keys.publicKeyHex,
    DISCORD_GUILD_ID: DEMO_GUILD_ID,
    DISCORD_SUPPORT_ROLE_ID: DEMO_SUPPORT_ROLE_ID,
    DISCORD_ALERT_CHANNEL_ID: DEMO_ALERT_CHANNEL_ID,
  };
}

let sequence = 0;
const snowflake = () => String(900_000_000_000_000_000n + BigInt((sequence += 1)));

/** The interaction Discord sends when a support member presses a button on a bot message. */
export function buttonInteraction(applicationId: string, customId: string, message: PostedMessage): Record<string, unknown> {
  return {
    id: snowflake(),
    application_id: applicationId,
    type: 3,
    token: `demo-${randomBytes(24).toString('base64url')}`,
    version: 1,
    guild_id: DEMO_GUILD_ID,
    channel_id: message.channelId,
    member: { user: DEMO_MEMBER, roles: [DEMO_SUPPORT_ROLE_ID], permissions: '0' },
    data: { custom_id: customId, component_type: 2 },
    message: { id: message.id, channel_id: message.channelId, ...message.body },
  };
}

/** POSTs an interaction to the bridge signed with the application's private key, as Discord does. */
export async function postInteraction(
  baseUrl: string,
  keys: DemoDiscordKeys,
  interaction: Record<string, unknown>,
): Promise<{ status: number; body: { type?: number; data?: Record<string, unknown> } }> {
  const body = JSON.stringify(interaction);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = sign(null, Buffer.from(timestamp + body), keys.privateKey).toString('hex');
  const res = await fetch(`${baseUrl}/discord/interactions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Discord-Interactions/1.0 (+https://discord.com)',
      'x-signature-ed25519': signature,
      'x-signature-timestamp': timestamp,
    },
    body,
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as { type?: number; data?: Record<string, unknown> } };
  } catch {
    return { status: res.status, body: {} };
  }
}

/** The buttons of a message, as "[Reprocessar] [Resolver]". */
export function buttonLabels(body: Record<string, unknown>): string[] {
  const rows = Array.isArray(body.components) ? (body.components as Array<{ components?: unknown }>) : [];
  return rows.flatMap((row) =>
    Array.isArray(row.components)
      ? (row.components as Array<{ label?: unknown }>).map((b) => (typeof b.label === 'string' ? b.label : '?'))
      : [],
  );
}

/** The custom_id of a message's button with this label (undefined when there is none). */
export function buttonId(body: Record<string, unknown>, label: string): string | undefined {
  const rows = Array.isArray(body.components) ? (body.components as Array<{ components?: unknown }>) : [];
  for (const row of rows) {
    for (const b of Array.isArray(row.components) ? (row.components as Array<{ label?: unknown; custom_id?: unknown }>) : []) {
      if (b.label === label && typeof b.custom_id === 'string') return b.custom_id;
    }
  }
  return undefined;
}
