import {
  decodeJpeg,
  describeFaces,
  identityThreshold,
  ModelSessions,
  similarity,
  type InferenceConfig,
} from '@proctoflex/inference';
import { badRequest } from '../http.ts';

/** How a selfie compares with a reference photo: the descriptors' similarity, null when the reference shows no single face. */
export interface IdentityComparison {
  readonly similarity: number | null;
  readonly threshold: number;
  readonly sameFace: boolean;
}

/**
 * Compares a candidate's selfie with their reference photo with the face processor's models and
 * threshold (the same descriptor and calibration as its identity_mismatch signal). The models load
 * on the first comparison: an API that checks no identity holds none.
 */
export class IdentityChecker {
  private models?: ModelSessions;

  constructor(private readonly config: InferenceConfig) {}

  async compare(reference: Buffer, selfie: Buffer): Promise<IdentityComparison> {
    this.models ??= new ModelSessions(this.config);
    const decoded = await decodeJpeg(selfie).catch(() => {
      throw badRequest('jpeg: not a picture that decodes');
    });
    const [selfieFace, referenceFace] = await describeFaces(this.models, [decoded, await decodeJpeg(reference)]);
    if (!selfieFace) throw badRequest('the photo must show your face, and only yours: take it again');
    const value = referenceFace ? similarity(selfieFace, referenceFace) : null;
    return { similarity: value, threshold: identityThreshold, sameFace: value !== null && value >= identityThreshold };
  }

  async close(): Promise<void> {
    await this.models?.close();
  }
}
