import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Secrets the server must keep for a while (a new student's password, until the welcome takes it
 * to them) are stored sealed: AES-256-GCM under a key derived with HKDF-SHA256 from SECRET_KEY
 * (or, when unset, from EAD_API_KEY), one subkey per purpose. Sealed text is
 * `v1.<base64url(iv | tag | ciphertext)>`; nothing of the plaintext reaches the database.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** `secret`: SECRET_KEY or its fallback; `purpose` separates keys (a key never serves two uses). */
  static derive(secret: string, purpose: string): SecretBox {
    return new SecretBox(Buffer.from(hkdfSync('sha256', secret, 'kiwify-ead-bridge', purpose, 32)));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /** The plaintext, or undefined when it cannot be opened (another key — SECRET_KEY changed — or tampered). */
  open(sealed: string): string | undefined {
    const [version, payload] = sealed.split('.');
    if (version !== VERSION || !payload) return undefined;
    const bytes = Buffer.from(payload, 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
