import { AvroSerde, loadAvroSchema, subjectOf, ServiceUnavailableError, type RecordKind } from '@proctoflex/core';
import type { IngestConfig } from './config.ts';

/** Every kind of record a client may send, its topic's schema and the config that names the topic. */
export const recordKinds = {
  FRAME: { schema: 'FrameCaptured', topicVariable: 'FRAMES_TOPIC' },
  AUDIO: { schema: 'AudioChunk', topicVariable: 'AUDIO_TOPIC' },
  PROCESS: { schema: 'ProcessSnapshot', topicVariable: 'PROCESS_TOPIC' },
  SESSION: { schema: 'SessionEvent', topicVariable: 'SESSIONS_TOPIC' },
} as const satisfies Record<RecordKind, { schema: string; topicVariable: keyof IngestConfig }>;

export const kindNames = Object.keys(recordKinds) as RecordKind[];

/** How often an unknown schema id may send the gateway to the registry, per topic. */
const refreshIntervalMs = 10_000;

/**
 * The schema ids a client may use per kind: every version registered for the topic's subject.
 * A newer client may bring a version registered after the gateway started: an unknown id
 * re-reads the subject, at most every 10 s, so garbage ids cannot flood the registry.
 */
export class TopicSchemas {
  private readonly allowed = new Map<RecordKind, Set<number>>();
  private readonly refreshedAt = new Map<RecordKind, number>();
  private readonly current = new Map<RecordKind, { id: number; schema: string }>();

  constructor(
    private readonly serde: AvroSerde,
    private readonly registryUrl: string,
    readonly topics: Record<RecordKind, string>,
  ) {}

  /** Registers the schemas this gateway's clients write with and reads every version's id. */
  async load(): Promise<void> {
    for (const kind of kindNames) {
      const { schema } = recordKinds[kind];
      const id = await this.serde.registerTopic({ name: this.topics[kind], schema });
      this.current.set(kind, { id, schema: loadAvroSchema(schema) });
      await this.refresh(kind);
    }
  }

  /** For clients: the id and schema text to encode each kind with. */
  writerSchemas(): Record<RecordKind, { topic: string; id: number; schema: string }> {
    return Object.fromEntries(
      kindNames.map((kind) => [kind, { topic: this.topics[kind], ...this.current.get(kind)! }]),
    ) as Record<RecordKind, { topic: string; id: number; schema: string }>;
  }

  async isAllowed(kind: RecordKind, schemaId: number): Promise<boolean> {
    if (this.allowed.get(kind)?.has(schemaId)) return true;
    if (Date.now() - (this.refreshedAt.get(kind) ?? 0) < refreshIntervalMs) return false;
    await this.refresh(kind);
    return this.allowed.get(kind)!.has(schemaId);
  }

  private async refresh(kind: RecordKind): Promise<void> {
    this.refreshedAt.set(kind, Date.now());
    const subject = encodeURIComponent(subjectOf(this.topics[kind]));
    const versions = await this.getJson<number[]>(`/subjects/${subject}/versions`);
    const ids = await Promise.all(
      versions.map(
        async (version) => (await this.getJson<{ id: number }>(`/subjects/${subject}/versions/${version}`)).id,
      ),
    );
    this.allowed.set(kind, new Set(ids));
  }

  private async getJson<T>(path: string): Promise<T> {
    try {
      const response = await fetch(`${this.registryUrl}${path}`, { signal: AbortSignal.timeout(5000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
      return (await response.json()) as T;
    } catch (error) {
      throw new ServiceUnavailableError(`schema registry: GET ${path}: ${(error as Error).message}`, error);
    }
  }
}
