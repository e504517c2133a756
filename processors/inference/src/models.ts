import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';
import { repoPath } from '@proctoflex/core';
import type { InferenceConfig } from './config.ts';

export type ModelName = 'face-detector' | 'face-landmarks' | 'face-embedding' | 'object-detector' | 'voice-activity';

interface ManifestEntry {
  readonly file: string;
  readonly sha256: string;
  readonly source: string;
}

const manifest = JSON.parse(readFileSync(repoPath('models/manifest.json'), 'utf8')) as {
  models: Record<ModelName, ManifestEntry>;
};

export function manifestEntry(name: ModelName): ManifestEntry {
  return manifest.models[name];
}

/** The model file's bytes, refused when they are not the ones the manifest names. */
export function readModel(name: ModelName): Buffer {
  const { file, sha256 } = manifestEntry(name);
  const bytes = readFileSync(repoPath(`models/${file}`));
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== sha256) throw new Error(`models/${file} has sha256 ${actual}, the manifest says ${sha256}`);
  return bytes;
}

/** Loads a model once per process and reuses it for every batch. */
export class ModelSessions {
  private readonly sessions = new Map<ModelName, Promise<ort.InferenceSession>>();

  constructor(private readonly config: InferenceConfig) {}

  get(name: ModelName): Promise<ort.InferenceSession> {
    let session = this.sessions.get(name);
    if (!session) {
      session = ort.InferenceSession.create(readModel(name), {
        executionProviders: this.config.INFERENCE_EXECUTION_PROVIDER === 'cuda' ? ['cuda', 'cpu'] : ['cpu'],
        intraOpNumThreads: this.config.INFERENCE_THREADS,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      });
      this.sessions.set(name, session);
    }
    return session;
  }

  async close(): Promise<void> {
    for (const session of this.sessions.values()) await (await session).release();
    this.sessions.clear();
  }
}

export { ort };
