import { createHash } from 'node:crypto';
import pg from 'pg';
import {
  AvroSerde,
  createKafka,
  deleteSessionEvidence,
  isEvidenceKey,
  LocalEvidenceStore,
  SealedEvidenceStore,
  readPartitionSince,
  ServiceUnavailableError,
  type AlertEvent,
  type AudioChunk,
  type FrameCaptured,
  type Logger,
  type SessionState,
  pipelineStage,
} from '@proctoflex/core';
import { SessionMedia } from './buffer.ts';
import { evidenceSinkSpec } from './config.ts';
import { clip, strip, thumbnail, usableFrames } from './media.ts';

/** An alert whose evidence is being gathered: the frames and audio of [from, to] (capture time). */
export interface Capture {
  readonly alertId: string;
  readonly examId: string;
  /** Screen frames (webcam ones when there are none) for alerts about what runs on the machine, webcam frames otherwise. */
  readonly source: FrameCaptured['source'];
  /** When the alert opened (its event time); the thumbnail is the frame nearest it. */
  readonly moment: number;
  readonly from: number;
  readonly to: number;
  /** Processing time after which it is sealed with what arrived, should the session go quiet. */
  readonly dueAt: number;
  /** Partition of the session's records (the session topics are co-partitioned), to read them back. */
  readonly partition: number;
}

/** A session's state in the changelog: its captures still waiting for their last frames. */
export interface EvidenceState {
  captures: Capture[];
}

const upsertEvidence = `
INSERT INTO alert_evidence (alert_id, kind, session_id, exam_id, storage_key, content_type, byte_size,
                            frame_count, audio_ms, from_time, to_time)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, to_timestamp($10 / 1000.0), to_timestamp($11 / 1000.0))
ON CONFLICT (alert_id, kind) DO UPDATE SET
  storage_key = EXCLUDED.storage_key, content_type = EXCLUDED.content_type, byte_size = EXCLUDED.byte_size,
  frame_count = EXCLUDED.frame_count, audio_ms = EXCLUDED.audio_ms, from_time = EXCLUDED.from_time,
  to_time = EXCLUDED.to_time, created_at = now()`;

/** A batch's screen pictures in one statement; the same record again (a replay) rewrites its row. */
const upsertScreenPictures = `
INSERT INTO screen_pictures (session_id, seq, exam_id, capture_time, width, height, byte_size, storage_key)
SELECT session_id, seq, exam_id, to_timestamp(capture_ms / 1000.0), width, height, byte_size, storage_key
FROM unnest($1::text[], $2::bigint[], $3::text[], $4::float8[], $5::int[], $6::int[], $7::int[], $8::text[])
  AS picture(session_id, seq, exam_id, capture_ms, width, height, byte_size, storage_key)
ON CONFLICT (session_id, seq) DO UPDATE SET
  exam_id = EXCLUDED.exam_id, capture_time = EXCLUDED.capture_time, width = EXCLUDED.width,
  height = EXCLUDED.height, byte_size = EXCLUDED.byte_size, storage_key = EXCLUDED.storage_key`;

/**
 * How far ahead of the gateway's clock a client's capture times may run for read-back evidence to
 * be whole (Kafka is searched by send time). The gateway accepts more (INGEST_MAX_CLOCK_SKEW_MS);
 * reading that much more of a partition for every late alert is not worth it.
 */
const clockSkewMs = 60_000;

/** An id as a storage key part: itself when safe, else its hash. */
const keyPart = (id: string) => (isEvidenceKey(id) ? id : createHash('sha256').update(id).digest('hex').slice(0, 32));

/**
 * Keeps each session's recent frames and audio in memory and, for every alert that opens, seals
 * the frames and audio around it: a JPEG strip, a thumbnail and an MP4 clip, each AES-256-GCM
 * encrypted into the evidence store and listed in PostgreSQL alert_evidence. Captures waiting for
 * their last frames are stage state, so a restart still seals them (with the frames it sees then).
 * Every picture of a candidate's screen is sealed too, as the client sent it (the gateway checked
 * it is a whole JPEG), and listed in screen_pictures for the session's timeline.
 */
export const evidenceSinkStage = pipelineStage<typeof evidenceSinkSpec, EvidenceState>({
  name: 'evidence-sink',
  spec: evidenceSinkSpec,
  variablePrefix: 'EVIDENCE_',
  create(config) {
    const screenTopics = new Set([config.PROCESS_TOPIC]);
    return {
      inputs: [config.FRAMES_TOPIC, config.AUDIO_TOPIC, config.ALERTS_TOPIC],
      outputs: [],
      delivery: 'exactly-once',
      stateful: true,
      tickIntervalMs: 1000,
      open: ({ services, logger }) => {
        const pool = new pg.Pool({ connectionString: services.DATABASE_URL, max: 2 });
        // An idle client that loses its connection must not crash the process.
        pool.on('error', () => undefined);
        const store = new SealedEvidenceStore(new LocalEvidenceStore(config.EVIDENCE_DIR), config.EVIDENCE_KEY);
        const kafka = createKafka('evidence-sink-read-back', services.KAFKA_BROKERS, logger);
        const serde = new AvroSerde(services.SCHEMA_REGISTRY_URL);
        const media = new Map<string, SessionMedia>();
        const mediaOf = (sessionId: string) => {
          let session = media.get(sessionId);
          if (!session) {
            session = new SessionMedia(config.EVIDENCE_BUFFER_MS);
            media.set(sessionId, session);
          }
          return session;
        };

        /**
         * The session's frames and audio of the capture's window read back from Kafka: for an alert
         * that came after its first frames left memory (a lagging risk stage) or before this process
         * saw them (a restart). Records are sent after their capture, so the search by send time
         * starts at `from` less the clock skew allowed for.
         */
        const readBack = async (sessionId: string, capture: Capture, log: Logger): Promise<SessionMedia> => {
          const started = Date.now();
          const around = new SessionMedia(capture.to - capture.from);
          const values: Buffer[] = [];
          try {
            await readPartitionSince(
              kafka,
              [config.FRAMES_TOPIC, config.AUDIO_TOPIC],
              capture.partition,
              capture.from - clockSkewMs,
              (_, message) => {
                if (message.key?.toString() === sessionId && message.value) values.push(message.value);
              },
            );
          } catch (error) {
            throw new ServiceUnavailableError('Kafka did not give the evidence back', error);
          }
          for (const value of values) {
            const record = (await serde.decode(value)) as FrameCaptured | AudioChunk;
            if (record.captureTime < capture.from || record.captureTime > capture.to) continue;
            if ('jpeg' in record) around.addFrame(record);
            else around.addAudio(record);
          }
          log.info(
            { alertId: capture.alertId, sessionId, records: values.length, ms: Date.now() - started },
            'evidence read back from Kafka: the alert came after its media left memory',
          );
          return around;
        };

        const seal = async (sessionId: string, capture: Capture, log: Logger) => {
          const held = mediaOf(sessionId);
          const session = capture.from < held.coveredFrom ? await readBack(sessionId, capture, log) : held;
          let { frames, audio } = session.between(capture.source, capture.from, capture.to);
          // A client that sends no screen frames still has its webcam's.
          if (frames.length === 0 && capture.source === 'SCREEN')
            ({ frames, audio } = session.between('WEBCAM', capture.from, capture.to));
          const usable = await usableFrames(frames);
          if (usable.length === 0) {
            log.warn(
              { alertId: capture.alertId, sessionId, audioChunks: audio.length },
              'no frames to seal as evidence',
            );
            return;
          }
          const audioMs = audio.reduce((sum, chunk) => sum + chunk.durationMs, 0);
          const files = [
            {
              kind: 'strip',
              name: 'strip.jpg',
              type: 'image/jpeg',
              make: () => strip(usable, config.EVIDENCE_STRIP_FRAMES),
            },
            {
              kind: 'thumbnail',
              name: 'thumbnail.jpg',
              type: 'image/jpeg',
              make: () => thumbnail(usable, capture.moment),
            },
            { kind: 'clip', name: 'clip.mp4', type: 'video/mp4', make: () => clip(usable, audio) },
          ];
          for (const { kind, name, type, make } of files) {
            let data: Buffer;
            try {
              data = await make();
            } catch (error) {
              // Media that cannot be made (a frame ffmpeg refuses) costs that file, not the stage.
              log.error({ err: error, alertId: capture.alertId, kind }, 'evidence file not made');
              continue;
            }
            const storageKey = [keyPart(capture.examId), keyPart(sessionId), keyPart(capture.alertId), name].join('/');
            try {
              await store.put(storageKey, data);
            } catch (error) {
              // A full or unreachable store stalls the stage rather than losing the evidence.
              throw new ServiceUnavailableError('the evidence store did not take the file', error);
            }
            await pool.query(upsertEvidence, [
              capture.alertId,
              kind,
              sessionId,
              capture.examId,
              storageKey,
              type,
              data.length,
              kind === 'clip'
                ? usable.length
                : kind === 'strip'
                  ? Math.min(usable.length, config.EVIDENCE_STRIP_FRAMES)
                  : 1,
              kind === 'clip' ? audioMs : 0,
              usable[0]!.captureTime,
              usable.at(-1)!.captureTime,
            ]);
          }
          log.info({ alertId: capture.alertId, sessionId, frames: usable.length, audioMs }, 'evidence sealed');
        };

        /** Seals the captures of `sessionId` that `isDone` selects; returns the state without them. */
        const sealDone = async (
          sessionId: string,
          stored: EvidenceState,
          isDone: (capture: Capture) => boolean,
          log: Logger,
        ): Promise<EvidenceState> => {
          for (const capture of stored.captures.filter(isDone)) await seal(sessionId, capture, log);
          return { captures: stored.captures.filter((capture) => !isDone(capture)) };
        };

        /**
         * Seals each screen picture, then lists them all: a listed picture is always in the store.
         * A record twice in one batch (sent again after a gateway restart) is kept once: one
         * statement may not update the same row twice.
         */
        const keepScreenPictures = async (pictures: readonly FrameCaptured[]) => {
          const frames = [...new Map(pictures.map((frame) => [`${frame.sessionId}/${frame.seq}`, frame])).values()];
          if (frames.length === 0) return;
          const storageKeys = frames.map(({ examId, sessionId, seq }) =>
            [keyPart(examId), keyPart(sessionId), 'screen', `${seq}.jpg`].join('/'),
          );
          // Written side by side: the batch waits for the slowest file, not for their sum.
          await Promise.all(frames.map((frame, index) => store.put(storageKeys[index]!, frame.jpeg))).catch(
            (error: unknown) => {
              throw new ServiceUnavailableError('the evidence store did not take the screen picture', error);
            },
          );
          await pool.query(upsertScreenPictures, [
            frames.map(({ sessionId }) => sessionId),
            frames.map(({ seq }) => seq),
            frames.map(({ examId }) => examId),
            frames.map(({ captureTime }) => captureTime),
            frames.map(({ width }) => width),
            frames.map(({ height }) => height),
            frames.map(({ jpeg }) => jpeg.length),
            storageKeys,
          ]);
        };

        const save = (state: SessionState<EvidenceState>, id: string, value: EvidenceState) =>
          value.captures.length > 0 ? state.set(id, value) : state.delete(id);

        return Promise.resolve({
          async processBatch(records, { state, logger: log }) {
            const sessions = new Map<string, EvidenceState>();
            const screenPictures: FrameCaptured[] = [];
            const sessionOf = (sessionId: string) => {
              let session = sessions.get(sessionId);
              if (!session) {
                session = { captures: [...(state.get(sessionId)?.captures ?? [])] };
                sessions.set(sessionId, session);
              }
              return session;
            };
            for (const { topic, partition, value } of records) {
              if (topic === config.FRAMES_TOPIC) {
                const frame = value as FrameCaptured;
                mediaOf(frame.sessionId).addFrame(frame);
                sessionOf(frame.sessionId);
                if (frame.source === 'SCREEN' && !frame.enrolment) screenPictures.push(frame);
              } else if (topic === config.AUDIO_TOPIC) {
                const chunk = value as AudioChunk;
                mediaOf(chunk.sessionId).addAudio(chunk);
                sessionOf(chunk.sessionId);
              } else {
                const alert = value as AlertEvent;
                if (alert.action !== 'OPENED') continue;
                const captures = sessionOf(alert.sessionId).captures;
                if (captures.some((capture) => capture.alertId === alert.alertId)) continue;
                captures.push({
                  alertId: alert.alertId,
                  examId: alert.examId,
                  source: alert.evidence.some((ref) => screenTopics.has(ref.topic)) ? 'SCREEN' : 'WEBCAM',
                  moment: alert.eventTime,
                  from: alert.eventTime - config.EVIDENCE_BEFORE_MS,
                  to: alert.eventTime + config.EVIDENCE_AFTER_MS,
                  dueAt: Date.now() + config.EVIDENCE_AFTER_MS + config.EVIDENCE_BUFFER_MS,
                  partition,
                });
              }
            }
            await keepScreenPictures(screenPictures);
            // A capture is complete once the session's media (capture time) has passed its end.
            for (const [sessionId, session] of sessions) {
              const complete = mediaOf(sessionId).complete;
              save(state, sessionId, await sealDone(sessionId, session, (capture) => capture.to <= complete, log));
            }
            forgetQuietSessions();
            return [];
          },
          /**
           * Sessions that went quiet, or send no audio: their captures are sealed with what arrived,
           * once due and once the session's frames, and its audio if it sent any, are read to the end.
           */
          async tick({ state, now, sessionsCaughtUp, logger: log }) {
            // Listed only once a capture is due: most ticks have none.
            let audioCaughtUp: Set<string> | undefined;
            for (const sessionId of sessionsCaughtUp(config.FRAMES_TOPIC)) {
              const stored = state.get(sessionId);
              if (!stored?.captures.some((capture) => capture.dueAt <= now)) continue;
              audioCaughtUp ??= new Set(sessionsCaughtUp(config.AUDIO_TOPIC));
              if (media.get(sessionId)?.hasAudio && !audioCaughtUp.has(sessionId)) continue;
              save(state, sessionId, await sealDone(sessionId, stored, (capture) => capture.dueAt <= now, log));
            }
            return [];
          },
          /**
           * Deletes what was sealed of erased sessions once more: the runner calls this after the
           * batch in flight, so a seal that began before the erasure (a clip takes seconds to
           * encode) cannot leave files behind the API's own deletion.
           */
          async erase(sessionIds, log) {
            for (const sessionId of sessionIds) media.delete(sessionId);
            const files = await deleteSessionEvidence(pool, store, sessionIds);
            log.info({ sessions: sessionIds.length, files }, 'evidence of erased sessions deleted');
          },
          close: () => pool.end(),
        });

        /** Drops the media of sessions far behind the newest capture time seen: they ended or moved away. */
        function forgetQuietSessions() {
          const newest = Math.max(0, ...[...media.values()].map((session) => session.newest));
          for (const [sessionId, session] of media)
            if (session.newest < newest - 3 * config.EVIDENCE_BUFFER_MS) media.delete(sessionId);
        }
      },
    };
  },
});
