import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { testEnv } from '../helpers/config.js';

const FIVE = {
  DISCORD_APPLICATION_ID: '100000000000000001',
  DISCORD_PUBLIC_KEY: 'ab'.repeat(32),
  DISCORD_BOT_TOKEN: 'bot-token',
  DISCORD_GUILD_ID: '300000000000000001',
  DISCORD_SUPPORT_ROLE_ID: '400000000000000001',
};

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(testEnv(env));
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('Discord configuration', () => {
  it('takes all five or none, and names what is missing or malformed in Portuguese', () => {
    expect(problems({})).toEqual([]);
    expect(problems(FIVE)).toEqual([]);
    expect(loadConfig(testEnv(FIVE)).discord.apiUrl).toBe('https://discord.com/api/v10');
    const missing = problems({ ...FIVE, DISCORD_BOT_TOKEN: undefined, DISCORD_GUILD_ID: '' });
    expect(missing).toHaveLength(2);
    expect(missing[0]).toMatch(/^DISCORD_BOT_TOKEN: defina DISCORD_APPLICATION_ID, DISCORD_PUBLIC_KEY/);
    expect(missing[1]).toMatch(/^DISCORD_GUILD_ID: /);
    expect(problems({ DISCORD_ALERT_CHANNEL_ID: '600000000000000001' })).toHaveLength(5);
    expect(problems({ ...FIVE, DISCORD_PUBLIC_KEY: 'xyz' })[0]).toMatch(/^DISCORD_PUBLIC_KEY: deve ser a "Public Key"/);
    expect(problems({ ...FIVE, DISCORD_GUILD_ID: 'escola' })[0]).toMatch(/^DISCORD_GUILD_ID: deve ser o id numérico do servidor/);
    expect(() => loadConfig({ DISCORD_GUILD_ID: FIVE.DISCORD_GUILD_ID }, ['discord'])).toThrow(ConfigError);
  });
});
