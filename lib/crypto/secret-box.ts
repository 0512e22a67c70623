import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Raised when a sealed value cannot be opened: another key sealed it, or it was altered. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

const VERSION = 'v1';

/**
 * AES-256-GCM for secrets at rest (webhook signing secrets, integration credentials).
 * Sealed form: `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url), where the key id (8 hex chars of the key's SHA-256)
 * tells which key sealed a value, so a future rotation can keep old keys for opening.
 */
export class SecretBox {
  private readonly key: Buffer;
  readonly keyId: string;

  constructor(keyBase64: string) {
    this.key = Buffer.from(keyBase64, 'base64');
    if (this.key.length !== 32) throw new SecretBoxError('the encryption key must be 32 bytes');
    this.keyId = createHash('sha256').update(this.key).digest('hex').slice(0, 8);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(`${VERSION}.${this.keyId}`));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, this.keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretBoxError('not a sealed value');
    const [version, keyId, iv, tag, ciphertext] = parts;
    if (keyId !== this.keyId) throw new SecretBoxError(`sealed with another key (${keyId}); this process has ${this.keyId}`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(`${version}.${keyId}`));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new SecretBoxError(`sealed value does not authenticate: ${(cause as Error).message}`);
    }
  }
}

/** A fresh key in the form ENCRYPTION_KEY expects. */
export function generateEncryptionKey(): string {
  return randomBytes(32).toString('base64');
}
