import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import pg from 'pg';
import {
  alertsChannel,
  type AvroSerde,
  type Logger,
  type RiskUpdate,
  type AlertNotice,
  type Thumbnail,
} from '@proctoflex/core';
import { interventionsChannel, type Intervention, type InterventionNotice } from '../sessions/interventions.ts';
import { ThumbnailCache } from './thumbnails.ts';

/** One live event: an alert that changed, a session's new risk, or a proctor's intervention sent or acknowledged. */
export type LiveEvent =
  | { type: 'alert'; examId: string; data: unknown }
  | { type: 'risk'; examId: string; data: RiskUpdate }
  | { type: 'intervention'; examId: string; data: Intervention };

/** A connected client: the exams it may see (`all` for an admin; re-checked while it listens) and where its events go. */
export interface LiveSubscriber {
  exams: ReadonlySet<string> | 'all';
  send(event: LiveEvent): void;
}

/** How far back the risk topic is read at start-up, so every running session has its latest risk. */
const riskLookbackMs = 10 * 60_000;
/** How far back the thumbnails topic is read at start-up: every running session has written one since. */
const thumbnailsLookbackMs = 60_000;

/** How the feed reads a row a notification names. */
export interface LiveLoaders {
  alert(alertId: string): Promise<unknown>;
  intervention(interventionId: string): Promise<Intervention | undefined>;
}

/** The topics the feed reads. */
export interface LiveTopics {
  readonly risk: string;
  readonly thumbnails: string;
}

/**
 * The API's live side: alerts changed in PostgreSQL (the alerts sink's NOTIFY), interventions
 * sent or acknowledged (any API process's NOTIFY) and sessions' risk from proctor.risk.v1, fanned
 * out to subscribers of their exam, interventions also to their session's candidate; the latest
 * risk per session is kept for the sessions list, the newest webcam thumbnail per session
 * (proctor.thumbnails.v1) in a bounded cache for the live wall. One PostgreSQL connection and one
 * consumer (a group of its own) per API process.
 */
export class LiveFeed {
  private readonly subscribers = new Set<LiveSubscriber>();
  private readonly candidates = new Map<string, Set<(intervention: Intervention) => void>>();
  private readonly latestRisk = new Map<string, RiskUpdate>();
  readonly thumbnails: ThumbnailCache;
  private listener: pg.Client | undefined;
  private consumer: Consumer | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly kafka: Kafka,
    private readonly serde: AvroSerde,
    private readonly topics: LiveTopics,
    thumbnailCacheBytes: number,
    private readonly load: LiveLoaders,
    private readonly logger: Logger,
  ) {
    this.thumbnails = new ThumbnailCache(thumbnailCacheBytes);
  }

  async start(): Promise<void> {
    this.listener = new pg.Client({ connectionString: this.databaseUrl });
    this.listener.on('error', (error) => this.logger.error({ err: error }, 'live alerts connection lost'));
    this.listener.on(
      'notification',
      ({ channel, payload }) =>
        void (channel === interventionsChannel ? this.onIntervention(payload) : this.onAlert(payload)),
    );
    await this.listener.connect();
    await this.listener.query(`LISTEN ${alertsChannel}; LISTEN ${interventionsChannel}`);

    const { risk: riskTopic, thumbnails: thumbnailsTopic } = this.topics;
    const admin = this.kafka.admin();
    await admin.connect();
    const [riskSince, thumbnailsSince] = await Promise.all([
      admin.fetchTopicOffsetsByTimestamp(riskTopic, Date.now() - riskLookbackMs),
      admin.fetchTopicOffsetsByTimestamp(thumbnailsTopic, Date.now() - thumbnailsLookbackMs),
    ]).finally(() => admin.disconnect());
    this.consumer = this.kafka.consumer({ groupId: `proctoflex.api.live.${randomBytes(6).toString('hex')}` });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [riskTopic, thumbnailsTopic], fromBeginning: false });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, message }) => {
        const value = await this.serde.decode(message.value);
        if (topic === thumbnailsTopic) return this.thumbnails.put(value as Thumbnail);
        const risk = value as RiskUpdate;
        const previous = this.latestRisk.get(risk.sessionId);
        if (previous && previous.captureTime > risk.captureTime) return;
        this.latestRisk.set(risk.sessionId, risk);
        this.publish({ type: 'risk', examId: risk.examId, data: risk });
      },
    });
    for (const { partition, offset } of riskSince) this.consumer.seek({ topic: riskTopic, partition, offset });
    for (const { partition, offset } of thumbnailsSince)
      this.consumer.seek({ topic: thumbnailsTopic, partition, offset });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    await this.listener?.end();
  }

  subscribe(subscriber: LiveSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  /** A session's candidate: the interventions sent to it, or acknowledged, from now on. */
  subscribeSession(sessionId: string, send: (intervention: Intervention) => void): () => void {
    const listeners = this.candidates.get(sessionId) ?? new Set();
    this.candidates.set(sessionId, listeners.add(send));
    return () => {
      listeners.delete(send);
      if (listeners.size === 0) this.candidates.delete(sessionId);
    };
  }

  riskOf(sessionId: string): RiskUpdate | undefined {
    return this.latestRisk.get(sessionId);
  }

  private async onAlert(payload: string | undefined): Promise<void> {
    try {
      const notice = JSON.parse(payload ?? '') as AlertNotice;
      this.publish({ type: 'alert', examId: notice.examId, data: await this.load.alert(notice.alertId) });
    } catch (error) {
      this.logger.error({ err: error, payload }, 'live alert not sent');
    }
  }

  private async onIntervention(payload: string | undefined): Promise<void> {
    try {
      const notice = JSON.parse(payload ?? '') as InterventionNotice;
      const intervention = await this.load.intervention(notice.interventionId);
      if (!intervention) return; // erased meanwhile
      this.publish({ type: 'intervention', examId: intervention.examId, data: intervention });
      for (const send of this.candidates.get(intervention.sessionId) ?? []) send(intervention);
    } catch (error) {
      this.logger.error({ err: error, payload }, 'live intervention not sent');
    }
  }

  private publish(event: LiveEvent): void {
    for (const subscriber of this.subscribers)
      if (subscriber.exams === 'all' || subscriber.exams.has(event.examId)) subscriber.send(event);
  }
}
