import { ProctoFlexError } from './errors.ts';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parsers, secretVariable, variable } from './config.ts';
import { repoPath } from './paths.ts';

/** Evidence files at rest: where they are and the key that seals them (the evidence sink writes, the API reads). */
export const evidenceSpec = {
  EVIDENCE_KEY: secretVariable(
    z
      .string()
      .transform((text) => Buffer.from(text, /^[0-9a-f]{64}$/i.test(text) ? 'hex' : 'base64'))
      .refine((key) => key.length === 32, 'expected 32 bytes as 64 hex digits or base64 (openssl rand -base64 32)'),
    'AES-256-GCM key that encrypts evidence at rest: 32 bytes, hex or base64. Required; keep it out of the repository.',
  ),
  EVIDENCE_DIR: variable(
    parsers.text.transform((dir) => path.resolve(dir)),
    'Directory of the local evidence store.',
    repoPath('.evidence'),
  ),
};

/** Where evidence files live: a local directory by default, an object store in production. */
export interface EvidenceStore {
  put(key: string, data: Buffer): Promise<void>;
  get(key: string): Promise<Buffer>;
  /** Removes the file; a key with no file is no error (retention and erasure may run twice). */
  delete(key: string): Promise<void>;
}

/** Runs a query: a pg Pool, or a client inside a transaction. */
interface Queryable {
  query(sql: string, params: unknown[]): Promise<{ rows: unknown[] }>;
}

/** The tables listing sealed files of a session: alerts' evidence and the pictures of its screen. */
const sessionEvidenceTables = ['alert_evidence', 'screen_pictures'];

/**
 * Deletes the evidence of sessions (an erasure): the files their alert_evidence and
 * screen_pictures rows list, then the rows, so that a file that cannot be deleted leaves its row
 * for the retry to find.
 */
export async function deleteSessionEvidence(
  database: Queryable,
  store: EvidenceStore,
  sessionIds: readonly string[],
): Promise<number> {
  let files = 0;
  for (const table of sessionEvidenceTables) {
    const { rows } = await database.query(`SELECT storage_key FROM ${table} WHERE session_id = ANY($1)`, [sessionIds]);
    for (const { storage_key } of rows as { storage_key: string }[]) await store.delete(storage_key);
    await database.query(`DELETE FROM ${table} WHERE session_id = ANY($1)`, [sessionIds]);
    files += rows.length;
  }
  return files;
}

/** Keys are `/`-separated names of [A-Za-z0-9._-] parts, never `.` or `..`: safe as paths and object names. */
export function isEvidenceKey(key: string): boolean {
  return key.split('/').every((part) => /^[A-Za-z0-9._-]+$/.test(part) && part !== '.' && part !== '..');
}

export class LocalEvidenceStore implements EvidenceStore {
  constructor(private readonly directory: string) {}

  async put(key: string, data: Buffer): Promise<void> {
    const file = this.fileOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    // Written aside and renamed: a reader never sees half a file.
    const partial = `${file}.${randomBytes(4).toString('hex')}.partial`;
    try {
      await writeFile(partial, data);
      await rename(partial, file);
    } catch (error) {
      // A full disk leaves what it took of the file: give the space back for the next try.
      await rm(partial, { force: true });
      throw error;
    }
  }

  get(key: string): Promise<Buffer> {
    return readFile(this.fileOf(key));
  }

  delete(key: string): Promise<void> {
    return rm(this.fileOf(key), { force: true });
  }

  private fileOf(key: string): string {
    if (!isEvidenceKey(key)) throw new Error(`not an evidence key: ${JSON.stringify(key)}`);
    return path.join(this.directory, key);
  }
}

/** An evidence store that seals what it is given (encryptEvidence) and opens what it gives back. */
export class SealedEvidenceStore implements EvidenceStore {
  constructor(
    private readonly store: EvidenceStore,
    private readonly key: Buffer,
  ) {}

  put(storageKey: string, plain: Buffer): Promise<void> {
    return this.store.put(storageKey, encryptEvidence(this.key, storageKey, plain));
  }

  async get(storageKey: string): Promise<Buffer> {
    return decryptEvidence(this.key, storageKey, await this.store.get(storageKey));
  }

  delete(storageKey: string): Promise<void> {
    return this.store.delete(storageKey);
  }
}

/** A sealed evidence file that is not one, was sealed with another key, or was altered. Never retriable. */
export class EvidenceDecryptError extends ProctoFlexError {}

const magic = Buffer.from('PFE1');
const keyIdBytes = 4;
const ivBytes = 12;
const tagBytes = 16;
const headerBytes = magic.length + keyIdBytes + ivBytes + tagBytes;

/** The first bytes of the key's SHA-256: names the key in each file without revealing it. */
const keyIdOf = (key: Buffer) => createHash('sha256').update(key).digest().subarray(0, keyIdBytes);

/**
 * AES-256-GCM with a random IV: magic, key id, IV, tag, ciphertext. The storage key is
 * authenticated too, so a file moved under another alert's name fails to decrypt.
 */
export function encryptEvidence(key: Buffer, storageKey: string, plain: Buffer): Buffer {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(storageKey));
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([magic, keyIdOf(key), iv, cipher.getAuthTag(), ciphertext]);
}

export function decryptEvidence(key: Buffer, storageKey: string, sealed: Buffer): Buffer {
  if (sealed.length < headerBytes || !sealed.subarray(0, magic.length).equals(magic))
    throw new EvidenceDecryptError(`${storageKey} is not a sealed evidence file`);
  const keyId = sealed.subarray(magic.length, magic.length + keyIdBytes);
  if (!keyId.equals(keyIdOf(key)))
    throw new EvidenceDecryptError(`${storageKey} was sealed with another key (id ${keyId.toString('hex')})`);
  const ivAt = magic.length + keyIdBytes;
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(ivAt, ivAt + ivBytes));
  decipher.setAAD(Buffer.from(storageKey));
  decipher.setAuthTag(sealed.subarray(ivAt + ivBytes, headerBytes));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(headerBytes)), decipher.final()]);
  } catch (error) {
    throw new EvidenceDecryptError(`${storageKey} failed authentication: altered, or stored under another name`, {
      cause: error,
    });
  }
}
