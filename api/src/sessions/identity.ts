import {
  decodeJpeg,
  describeFaces,
  identityThreshold,
  ModelSessions,
  similarity,
  type InferenceConfig,
} from '@proctoflex/inference';
import { badRequest } from '../http.ts';

/** A photo from outside, decoded; 400 when it does not decode. */
const decoded = (jpeg: Buffer) =>
  decodeJpeg(jpeg).catch(() => {
    throw badRequest('jpeg: not a picture that decodes');
  });

/** How a selfie compares with a reference photo: the descriptors' similarity, null when the reference shows no single face. */
export interface IdentityComparison {
  readonly similarity: number | null;
  readonly threshold: number;
  readonly sameFace: boolean;
}

/**
 * Compares a candidate's selfie with their reference photo with the face processor's models and
 * threshold (the same descriptor and calibration as its identity_mismatch signal), and checks that a
 * reference photo shows one face. The models load on first use: an API that checks no identity
 * holds none.
 */
export class IdentityChecker {
  private models?: ModelSessions;

  constructor(private readonly config: InferenceConfig) {}

  /** Refuses (400) a photo that does not decode or shows no single face: it could identify nobody. */
  async requireOneFace(jpeg: Buffer): Promise<void> {
    const [face] = await describeFaces(this.loaded(), [await decoded(jpeg)]);
    if (!face) throw badRequest('jpeg: the photo must show one face, and only one');
  }

  async compare(reference: Buffer, selfie: Buffer): Promise<IdentityComparison> {
    const [selfieFace, referenceFace] = await describeFaces(this.loaded(), [
      await decoded(selfie),
      await decodeJpeg(reference),
    ]);
    if (!selfieFace) throw badRequest('the photo must show your face, and only yours: take it again');
    const value = referenceFace ? similarity(selfieFace, referenceFace) : null;
    return { similarity: value, threshold: identityThreshold, sameFace: value !== null && value >= identityThreshold };
  }

  private loaded(): ModelSessions {
    this.models ??= new ModelSessions(this.config);
    return this.models;
  }

  async close(): Promise<void> {
    await this.models?.close();
  }
}
