import { Registry } from 'prom-client';
import {
  createLogger,
  detectorScore,
  loadConfig,
  servicesSpec,
  stageRunnerSpec,
  topicsSpec,
  type AlertEvent,
  type AudioChunk,
  type DetectorScore,
  type ExamPolicy,
  type FrameCaptured,
  type InputRecord,
  type BatchContext,
  type PipelineStage,
  type RiskUpdate,
  type SessionState,
  type StageHandler,
  type SurveillanceLevel,
} from '@proctoflex/core';
import { faceSpec } from '@proctoflex/face/config';
import { limitsOf } from '@proctoflex/face/detect';
import { findSessionFaces, scoreFaces } from '@proctoflex/face/session';
import {
  decodeFrames,
  describeFaces,
  ModelSessions,
  modelVersion,
  type DecodedImage,
  type InferenceConfig,
} from '@proctoflex/inference';
import { SessionRecords } from '@proctoflex/ingest';
import { fixtureSeconds, frameSize, plainLook, seededRandom, Webcam, type Look } from '@proctoflex/ingest/sim';
import { objectStage } from '@proctoflex/object';
import { riskStage } from '@proctoflex/risk';
import { voiceStage } from '@proctoflex/voice';
import { loadEvaluationConfig } from './config.ts';
import { episodeAt, type Sequence } from './sequences.ts';

/** What the evaluation keeps of one sequence: its alerts and identity comparisons, per level. */
export interface SequenceResult {
  readonly sequence: Sequence;
  /** Alerts opened, at each surveillance level, in seconds from the sequence's start. */
  readonly alerts: Record<SurveillanceLevel, { rule: string; second: number }[]>;
  /** Every comparison with the enrolment (at STANDARD): its similarity, and whether the enrolled person was in view. */
  readonly comparisons: { similarity: number; samePerson: boolean }[];
  readonly frames: number;
  /** Records the stages refused (a realistic frame must never be). */
  readonly deadLetters: string[];
}

const startTime = Date.UTC(2026, 0, 5, 9, 0, 0);
const frameEverySeconds = 2;
const faceBatch = 16;
const logger = createLogger('eval-detection', 'warn');
export const surveillanceLevels: readonly SurveillanceLevel[] = ['LOW', 'STANDARD', 'STRICT'];

/** Per-session state kept in memory, as the stage runner keeps it between batches (no changelog here). */
class MemoryState<State> implements SessionState<State> {
  private readonly values = new Map<string, State>();
  get = (sessionId: string) => this.values.get(sessionId);
  set = (sessionId: string, state: State) => void this.values.set(sessionId, state);
  delete = (sessionId: string) => void this.values.delete(sessionId);
}

/**
 * How the sequence's camera renders second `seconds`: a base lighting and colour of its own,
 * lighting drifting over minutes, its own sensor noise, motion blur on one frame in eight,
 * compression varying frame to frame; a leaving candidate slides out in 4 s and back in 4 s.
 */
function lookAt(sequence: Sequence, seconds: number, random: () => number): Look {
  const base = seededRandom(sequence.seed);
  const brightness = 0.7 + 0.4 * base();
  const tint: [number, number, number] = [0.9 + 0.2 * base(), 0.95 + 0.1 * base(), 0.85 + 0.25 * base()];
  const noise = 2 + 8 * base();
  const phase = 2 * Math.PI * base();
  const episode = episodeAt(sequence, seconds);
  const leaving =
    episode?.behaviour === 'leaving' ? Math.min(1, (seconds - episode.from) / 4, (episode.to - seconds) / 4) : 0;
  return {
    ...plainLook,
    brightness: brightness * (1 + 0.25 * Math.sin((2 * Math.PI * seconds) / 97 + phase)),
    tint,
    noise,
    blur: random() < 0.125 ? 5 + 8 * random() : 0,
    jpegQuality: 40 + 50 * random(),
    quarterTurns: sequence.quarterTurns,
    leaving: Math.max(0, leaving),
  };
}

async function renderFrame(webcam: Webcam, sequence: Sequence, seconds: number, random: () => number): Promise<Buffer> {
  const episode = episodeAt(sequence, seconds);
  const person = await webcam.person(episode?.footage ?? sequence.footage, seconds);
  const layer = episode?.layer;
  const layers = !layer
    ? []
    : 'prop' in layer
      ? [await webcam.propLayer(layer.prop, layer.placement)]
      : [await webcam.personLayer(layer.person, seconds, layer.placement)];
  return webcam.frame(person, layers, lookAt(sequence, seconds, random), sequence.seed * 7919 + seconds);
}

/** A fixture WAV's 1 s chunks, read once. */
const secondsOf = new Map<string, Buffer[]>();
const fixtureChunks = (file: string) => {
  if (!secondsOf.has(file)) secondsOf.set(file, fixtureSeconds(file));
  return secondsOf.get(file)!;
};

/** One second of the room (its noise at the sequence's level), with the episode's speech when there is one. */
function audioAt(sequence: Sequence, seconds: number): Buffer {
  const gain = 0.5 + 2.5 * seededRandom(sequence.seed + 1)();
  const noise = fixtureChunks('room-noise.wav');
  const room = noise[seconds % noise.length]!;
  const episode = episodeAt(sequence, seconds);
  const speech = episode?.recording ? fixtureChunks(episode.recording) : null;
  const voice = speech?.[(seconds - episode!.from) % speech.length];
  const chunk = Buffer.alloc(room.length);
  for (let index = 0; index < room.length; index += 2) {
    const sample = room.readInt16LE(index) * gain + (voice?.readInt16LE(index) ?? 0);
    chunk.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(sample))), index);
  }
  return chunk;
}

const inputOf = (topic: string, value: { sessionId: string; captureTime: number }, offset: number): InputRecord => ({
  topic,
  partition: 0,
  offset: String(offset),
  key: value.sessionId,
  timestamp: value.captureTime,
  value,
});

export const policyAt = (level: SurveillanceLevel): ExamPolicy => ({
  examId: `eval-${level}`,
  version: 1,
  updatedTime: startTime,
  title: `Detection evaluation, ${level}`,
  startTime,
  endTime: startTime + 24 * 3600_000,
  durationMinutes: 1440,
  surveillanceLevel: level,
  allowedApps: [],
  allowedDomains: [],
  ruleOverrides: [],
  deleted: false,
});

/**
 * Runs the sequences through the stages' own decision code: the face stage's face finding and
 * scoring, the object and voice stages' handlers, and the risk stage's handler with the rule
 * defaults of each surveillance level. No Kafka: records go from one handler to the next in
 * capture order, as the pipeline would deliver them. Models run once per frame; only what depends
 * on the level (looking-away limits, identity comparisons, rules) runs per level.
 */
export class DetectionEvaluation {
  private readonly webcam = new Webcam();
  private readonly models: ModelSessions;

  private constructor(
    private readonly handlers: { object: Handler; voice: Handler; risk: Handler },
    private readonly topics: { frames: string; audio: string; scores: string; policies: string },
    private readonly identityIntervalMs: number,
    inference: InferenceConfig,
  ) {
    this.models = new ModelSessions(inference);
  }

  static async open(): Promise<DetectionEvaluation> {
    const context = { services: loadConfig(servicesSpec, {}), logger, metrics: new Registry() };
    const inference = loadEvaluationConfig();
    const stageEnv = {
      INFERENCE_THREADS: String(inference.INFERENCE_THREADS),
      INFERENCE_EXECUTION_PROVIDER: inference.INFERENCE_EXECUTION_PROVIDER,
    };
    // Each handler is handed at most its stage's batch (STAGE_BATCH_MAX_RECORDS), as the runner would.
    const open = async (stage: PipelineStage): Promise<Handler> => {
      const config = loadConfig(
        { STAGE_BATCH_MAX_RECORDS: stageRunnerSpec.STAGE_BATCH_MAX_RECORDS, ...stage.spec },
        stageEnv,
      );
      const handler = (await stage.create(config).open(context)) as StageHandler<unknown>;
      return { handler, batch: config.STAGE_BATCH_MAX_RECORDS };
    };
    const face = loadConfig(faceSpec, {});
    const topics = loadConfig(topicsSpec, {});
    return new DetectionEvaluation(
      { object: await open(objectStage), voice: await open(voiceStage), risk: await open(riskStage) },
      {
        frames: topics.FRAMES_TOPIC,
        audio: topics.AUDIO_TOPIC,
        scores: topics.SCORES_TOPIC,
        policies: topics.POLICIES_TOPIC,
      },
      face.FACE_IDENTITY_INTERVAL_MS,
      inference,
    );
  }

  async close(): Promise<void> {
    await Promise.all([
      this.models.close(),
      this.handlers.object.handler.close?.(),
      this.handlers.voice.handler.close?.(),
    ]);
  }

  /**
   * Runs a group of sequences together, as the stages see many sessions at once: frames of all of
   * them share each model call, and their audio chunks each voice model round.
   */
  async run(sequences: readonly Sequence[]): Promise<SequenceResult[]> {
    const frames: FrameCaptured[] = [];
    const audio: AudioChunk[] = [];
    for (const sequence of sequences) {
      const claims = { sessionId: sequence.id, examId: 'eval', candidateId: sequence.sitter?.name ?? sequence.id };
      const records = new SessionRecords(claims);
      const random = seededRandom(sequence.seed + 2);
      const size = sequence.quarterTurns % 2 === 0 ? frameSize : { width: frameSize.height, height: frameSize.width };
      for (let seconds = 0; seconds < sequence.seconds; seconds += 1) {
        const captureTime = startTime + seconds * 1000;
        if (seconds % frameEverySeconds === 0) {
          const jpeg = await renderFrame(this.webcam, sequence, seconds, random);
          frames.push(records.frame(jpeg, size, captureTime, seconds === 0).record);
        }
        audio.push(records.audio(audioAt(sequence, seconds), captureTime).record);
      }
    }
    // The pipeline delivers each session's records in order, sessions interleaved.
    const inCaptureOrder = <T extends { captureTime: number }>(values: T[]) =>
      values.sort((a, b) => a.captureTime - b.captureTime);
    const frameInputs = inCaptureOrder(frames).map((frame, index) => inputOf(this.topics.frames, frame, index));
    const audioInputs = inCaptureOrder(audio).map((chunk, index) => inputOf(this.topics.audio, chunk, index));
    const deadLetters: string[] = [];
    const reject = (record: InputRecord, error: Error) =>
      deadLetters.push(`${(record.value as { sessionId: string }).sessionId} ${record.topic}: ${error.message}`);
    const contextOf = () => ({ state: new MemoryState<never>(), tables: { get: () => undefined }, logger, reject });

    const levelScores = { LOW: [], STANDARD: [], STRICT: [] } as Record<SurveillanceLevel, DetectorScore[]>;
    const faceState = new MemoryState<never>();
    for (let start = 0; start < frameInputs.length; start += faceBatch) {
      const decoded = await decodeFrames(frameInputs.slice(start, start + faceBatch), reject);
      const found = await findSessionFaces(this.models, decoded, faceState, this.identityIntervalMs);
      const described = new Map<DecodedImage, Float32Array | null>();
      const describeOnce: typeof describeFaces = async (models, images) => {
        const missing = images.filter((image) => !described.has(image));
        const descriptors = await describeFaces(models, missing);
        missing.forEach((image, index) => described.set(image, descriptors[index]!));
        return images.map((image) => described.get(image)!);
      };
      for (const level of surveillanceLevels) {
        const atLevel = decoded.map((frame) => ({ ...frame, frame: atLevelOf(frame.frame, level) }));
        const signals = await scoreFaces(
          this.models,
          atLevel,
          found,
          faceState,
          () => limitsOf(policyAt(level)),
          this.identityIntervalMs,
          logger,
          describeOnce,
        );
        atLevel.forEach(({ frame }, index) =>
          levelScores[level].push(detectorScore(frame, this.topics.frames, 'FACE', faceVersion, signals[index]!)),
        );
      }
    }
    const scores = [
      ...(await inBatches(this.handlers.object, frameInputs, contextOf())),
      ...(await inBatches(this.handlers.voice, audioInputs, contextOf())),
    ] as DetectorScore[];

    const alertsAt = {} as Record<SurveillanceLevel, AlertEvent[]>;
    for (const level of surveillanceLevels) {
      const all = inCaptureOrder([...levelScores[level], ...scores.map((score) => atLevelOf(score, level))]);
      const tables = { get: (topic: string) => (topic === this.topics.policies ? policyAt(level) : undefined) };
      const outputs = await inBatches(
        this.handlers.risk,
        all.map((score, index) => inputOf(this.topics.scores, score, index)),
        { state: new MemoryState<never>(), tables, logger, reject },
      );
      // The risk stage emits risk updates and alert events; an alert counts when it opens.
      alertsAt[level] = (outputs as (AlertEvent | RiskUpdate)[]).filter(
        (output): output is AlertEvent => 'action' in output && output.action === 'OPENED',
      );
    }
    return sequences.map((sequence) => {
      const sessionAt = (level: SurveillanceLevel) => `${sequence.id}@${level}`;
      const alerts = Object.fromEntries(
        surveillanceLevels.map((level) => [
          level,
          alertsAt[level]
            .filter((alert) => alert.sessionId === sessionAt(level))
            .map((alert) => ({ rule: alert.rule, second: (alert.eventTime - startTime) / 1000 })),
        ]),
      ) as SequenceResult['alerts'];
      const comparisons = levelScores.STANDARD.filter((score) => score.sessionId === sessionAt('STANDARD')).flatMap(
        (score) => {
          const identity = score.signals.find((signal) => signal.name === 'identity_mismatch');
          if (!identity) return [];
          const episode = episodeAt(sequence, (score.captureTime - startTime) / 1000);
          return [{ similarity: identity.measurements.similarity!, samePerson: episode?.behaviour !== 'impostor' }];
        },
      );
      return {
        sequence,
        alerts,
        comparisons,
        frames: frames.filter((frame) => frame.sessionId === sequence.id).length,
        deadLetters: deadLetters.filter((letter) => letter.startsWith(`${sequence.id} `)),
      };
    });
  }
}

/** A stage's handler, and the most records its runner hands it at once. */
interface Handler {
  readonly handler: StageHandler<unknown>;
  readonly batch: number;
}

/** Hands `inputs` to the handler batch by batch, with one context (its state lives on between batches); the values it emits. */
async function inBatches(
  { handler, batch }: Handler,
  inputs: readonly InputRecord[],
  context: BatchContext<unknown>,
): Promise<unknown[]> {
  const values: unknown[] = [];
  for (let start = 0; start < inputs.length; start += batch) {
    const outputs = await handler.processBatch(inputs.slice(start, start + batch), context);
    values.push(...outputs.map(({ value }) => value));
  }
  return values;
}

const faceVersion = modelVersion(['face-detector-short-range', 'face-detector', 'face-landmarks', 'face-embedding']);

/** The same record in the copy of the session evaluated at `level` (its own session and exam). */
function atLevelOf<Value extends { sessionId: string; examId: string }>(value: Value, level: SurveillanceLevel): Value {
  return { ...value, sessionId: `${value.sessionId}@${level}`, examId: `eval-${level}` };
}
