// Generated from schemas/avro/*.avsc by `npm run schemas:types`; do not edit by hand.

/** Lifecycle step of the alert. */
export type AlertAction = 'OPENED' | 'UPDATED' | 'CLOSED';

/** How urgently a proctor should look. */
export type AlertSeverity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/** An input record that supports the alert. */
export interface EvidenceRef {
  /** Topic of the record, e.g. proctor.frames.v1. */
  topic: string;
  /** Its per-session seq. */
  seq: number;
  /** Its captureTime, epoch milliseconds (UTC). */
  captureTime: number;
}

/** The processor that scored the input. */
export type Detector = 'FACE' | 'OBJECT' | 'VOICE' | 'APP_POLICY';

/** A detector score behind the alert. */
export interface ScoreRef {
  /** Processor that produced it. */
  detector: Detector;
  /** Signal name. */
  signal: string;
  /** Its score, 0 to 1. */
  score: number;
  /** seq of the scored input. */
  sourceSeq: number;
}

/** A change of an alert's state. Topic proctor.alerts.v1, key sessionId. */
export interface AlertEvent {
  /** Deterministic id derived from (sessionId, rule, startSeq), so replays and restarts never create a second alert. */
  alertId: string;
  /** Exam session; the Kafka key. */
  sessionId: string;
  /** Exam of the session. */
  examId: string;
  /** Candidate sitting the session. */
  candidateId: string;
  /** The rule that fired, e.g. no_face, phone_visible, client_disconnected. */
  rule: string;
  /** What changed. */
  action: AlertAction;
  /** Grows by one per event of this alert, so a sink keeps the newest. */
  revision: number;
  /** Current severity; it only rises while the alert is open. */
  severity: AlertSeverity;
  /** For a human, e.g. "No face visible for 34 s". */
  description: string;
  /** seq of the first input record that supports the alert. */
  startSeq: number;
  /** captureTime at which the condition began, epoch milliseconds (UTC). */
  startTime: number;
  /** captureTime of the input that caused this event, epoch milliseconds (UTC). */
  eventTime: number;
  /** When the condition cleared, epoch milliseconds (UTC); set on CLOSED. */
  endTime: null | number;
  /** Frames, audio chunks or snapshots that show the condition. */
  evidence: EvidenceRef[];
  /** Detector scores behind the alert. */
  scores: ScoreRef[];
}

/** What a proctor decided about an alert. */
export type ReviewDecision = 'CONFIRMED' | 'DISMISSED' | 'ESCALATED';

/** A proctor's decision on an alert, published by the API when it is made. Topic proctor.reviews.v1, key sessionId. */
export interface AlertReview {
  /** The reviewed alert (AlertEvent.alertId). */
  alertId: string;
  /** Exam session of the alert; the Kafka key. */
  sessionId: string;
  /** Exam of the session. */
  examId: string;
  /** Rule of the reviewed alert, e.g. phone_visible. */
  rule: string;
  /** The decision. */
  decision: ReviewDecision;
  /** User id of the proctor who decided. */
  reviewerId: string;
  /** When the decision was made, epoch milliseconds (UTC). */
  reviewedTime: number;
}

/** About one second of microphone audio. Topic proctor.audio.v1, key sessionId. */
export interface AudioChunk {
  /** Exam session the audio belongs to; the Kafka key. */
  sessionId: string;
  /** Exam of the session, taken from the ingest token. */
  examId: string;
  /** Candidate (user id) sitting the session, taken from the ingest token. */
  candidateId: string;
  /** Per-session sequence number assigned by the client (see FrameCaptured.seq). */
  seq: number;
  /** When the first sample of the chunk was captured, epoch milliseconds (UTC). */
  captureTime: number;
  /** Samples per second; the client resamples to 16000. */
  sampleRate: number;
  /** Length of the chunk in milliseconds. */
  durationMs: number;
  /** Mono PCM, signed 16-bit little-endian samples, at most 256 KiB. */
  pcm: Buffer;
}

/** An input record a stage could not decode or process, kept with the reason. Topic proctor.dlq.v1, key the source record's key. */
export interface DeadLetter {
  /** Stage that gave up on the record, e.g. face. */
  stage: string;
  /** Topic the record was read from. */
  sourceTopic: string;
  /** Its partition. */
  sourcePartition: number;
  /** Its offset. */
  sourceOffset: number;
  /** The record's original key bytes. */
  key: null | Buffer;
  /** The record's original value bytes, untouched, so it can be replayed after a fix. */
  value: null | Buffer;
  /** Class of the error, e.g. DecodeError. */
  errorType: string;
  /** The error message: why the record was refused. */
  error: string;
  /** When the stage gave up, epoch milliseconds (UTC). */
  failedTime: number;
}

/** A detected object in image coordinates normalised to 0-1. */
export interface BoundingBox {
  /** What was detected, e.g. face, cell phone, book. */
  label: string;
  /** Detection confidence, 0 to 1. */
  score: number;
  /** Left edge, 0-1 of the image width. */
  x: number;
  /** Top edge, 0-1 of the image height. */
  y: number;
  /** Width, 0-1 of the image width. */
  width: number;
  /** Height, 0-1 of the image height. */
  height: number;
}

/** One thing the detector looked for, and how strongly it saw it. */
export interface Signal {
  /** Signal name, e.g. no_face, several_faces, looking_away, identity_mismatch, phone_visible, speech, forbidden_app. */
  name: string;
  /** Confidence that the signal is present, 0 to 1. */
  score: number;
  /** Named numbers behind the score, e.g. faceCount, yawDegrees, pitchDegrees, similarity, speechSeconds, loudnessDbfs. */
  measurements: Record<string, number>;
  /** Names behind the score, e.g. the forbidden applications or domains found. */
  labels: string[];
  /** Where in the frame the signal was seen. */
  boxes: BoundingBox[];
}

/** What one detector found in one input record. Topic proctor.scores.v1, key sessionId. */
export interface DetectorScore {
  /** Exam session; the Kafka key. */
  sessionId: string;
  /** Exam of the session. */
  examId: string;
  /** Candidate sitting the session. */
  candidateId: string;
  /** Topic of the scored input record, e.g. proctor.frames.v1. */
  sourceTopic: string;
  /** seq of the scored input record; with sessionId and sourceTopic it names the evidence. */
  sourceSeq: number;
  /** captureTime of the scored input, epoch milliseconds (UTC). */
  captureTime: number;
  /** When the detector finished, epoch milliseconds (UTC). */
  processedTime: number;
  /** Which processor produced the score. */
  detector: Detector;
  /** Model file and version (or rule-set version) behind the score, for reproducibility. */
  modelVersion: string;
  /** Every signal the detector evaluated, present or not, so absence is recorded too. */
  signals: Signal[];
}

/** Picks the default rule set. */
export type SurveillanceLevel = 'LOW' | 'STANDARD' | 'STRICT';

/** Changes to one rule's defaults for this exam; null fields keep the level's default. */
export interface RuleOverride {
  /** Rule name, e.g. no_face, looking_away, phone_visible. */
  rule: string;
  /** False turns the rule off. */
  enabled: null | boolean;
  /** Share of the 0-100 risk score the rule contributes at most. */
  weight: null | number;
  /** Detector score (0-1) or measurement above which the signal counts. */
  threshold: null | number;
  /** How long the signal must persist before the rule fires. */
  persistSeconds: null | number;
}

/** An exam's proctoring policy, published by the API on every change. Topic proctor.policies.v1 (compacted), key examId; read by stages as a table. */
export interface ExamPolicy {
  /** The exam; the Kafka key. */
  examId: string;
  /** Grows by one on every change of the exam, so a stage keeps the newest policy. */
  version: number;
  /** When the policy was changed, epoch milliseconds (UTC). */
  updatedTime: number;
  /** Exam title shown to proctors. */
  title: string;
  /** Start of the window in which sessions may start, epoch milliseconds (UTC). */
  startTime: number;
  /** End of that window, epoch milliseconds (UTC). */
  endTime: number;
  /** How long one candidate's session may last. */
  durationMinutes: number;
  /** How strictly the exam is watched; rules default per level. */
  surveillanceLevel: SurveillanceLevel;
  /** Application names allowed besides the system ones (compared case-insensitively, aliases resolved). */
  allowedApps: string[];
  /** Browser domains allowed; a domain allows its subdomains. */
  allowedDomains: string[];
  /** Per-rule overrides of the surveillance level's defaults. */
  ruleOverrides: RuleOverride[];
  /** True once the exam is deleted; stages forget it. */
  deleted: boolean;
}

/** Which device produced the frame. */
export type FrameSource = 'WEBCAM' | 'SCREEN';

/** One JPEG frame from a candidate's webcam or screen, as captured by the desktop client. Topic proctor.frames.v1, key sessionId. */
export interface FrameCaptured {
  /** Exam session the frame belongs to; the Kafka key. */
  sessionId: string;
  /** Exam of the session, taken from the ingest token. */
  examId: string;
  /** Candidate (user id) sitting the session, taken from the ingest token. */
  candidateId: string;
  /** Per-session sequence number assigned by the client, shared by all of the session's records; grows by one per record, so replays are recognised. */
  seq: number;
  /** When the client captured the frame, epoch milliseconds (UTC). */
  captureTime: number;
  /** WEBCAM frames are scored by the face and object processors; SCREEN frames are kept as evidence only. */
  source: FrameSource;
  /** True for the reference photo taken before the exam; its face embedding is the session's identity reference. */
  enrolment: boolean;
  /** Image width in pixels. */
  width: number;
  /** Image height in pixels. */
  height: number;
  /** The JPEG-encoded image, at most 1 MiB. */
  jpeg: Buffer;
}

/** FRAME: FrameCaptured to proctor.frames.v1; AUDIO: AudioChunk to proctor.audio.v1; PROCESS: ProcessSnapshot to proctor.process.v1; SESSION: SessionEvent to proctor.sessions.v1. */
export type RecordKind = 'FRAME' | 'AUDIO' | 'PROCESS' | 'SESSION';

/** One record for one topic. */
export interface IngestRecord {
  /** Which topic the record goes to. */
  kind: RecordKind;
  /** The record in the registry wire format (magic byte 0, 4-byte schema id, Avro body), with a schema id registered for that topic (GET /v1/schemas). */
  value: Buffer;
}

/** What a desktop client sends to the ingest gateway: one WebSocket message or one POST /v1/events body. Not a Kafka topic: the gateway unpacks it and produces each record to its kind's topic. */
export interface IngestBatch {
  /** Chosen by the client, growing per connection; the gateway's ack or refusal names it. */
  batchId: number;
  /** The records, in the order they go to Kafka; per session their seq must grow. */
  records: IngestRecord[];
}

/** One running process. */
export interface RunningProcess {
  /** Operating-system process id. */
  pid: number;
  /** Executable name as the OS reports it, e.g. google-chrome or Discord.exe. */
  name: string;
  /** Full path of the executable, when readable. */
  executablePath: null | string;
}

/** One attached display. */
export interface Display {
  /** Display id as the OS reports it. */
  id: string;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** True for the display the exam runs on. */
  primary: boolean;
}

/** What runs on the candidate's machine at one moment. Topic proctor.process.v1, key sessionId. */
export interface ProcessSnapshot {
  /** Exam session the snapshot belongs to; the Kafka key. */
  sessionId: string;
  /** Exam of the session, taken from the ingest token. */
  examId: string;
  /** Candidate (user id) sitting the session, taken from the ingest token. */
  candidateId: string;
  /** Per-session sequence number assigned by the client (see FrameCaptured.seq). */
  seq: number;
  /** When the snapshot was taken, epoch milliseconds (UTC). */
  captureTime: number;
  /** Operating system as Node reports it: linux, win32 or darwin. */
  platform: string;
  /** Every process running for the candidate's user. */
  processes: RunningProcess[];
  /** Executable name of the focused window's process, when known. */
  foregroundApp: null | string;
  /** Title of the focused window, when known. */
  foregroundWindowTitle: null | string;
  /** Domains open in browser tabs, lower case, as far as the client can see them. */
  browserDomains: string[];
  /** Every attached display; more than one is an extra-display signal. */
  displays: Display[];
  /** Evidence that the client runs in a virtual machine, e.g. a hypervisor vendor in DMI data. */
  virtualMachineHints: string[];
}

/** Banded riskScore for display and sorting. */
export type RiskLevel = 'LOW' | 'MEDIUM' | 'HIGH';

/** How much one rule adds to the risk. */
export interface RiskContribution {
  /** Rule name, e.g. no_face. */
  rule: string;
  /** Points of the 0-100 score this rule contributes after time decay. */
  points: number;
}

/** A session's risk at one moment, emitted at most once a second per session. Topic proctor.risk.v1, key sessionId. */
export interface RiskUpdate {
  /** Exam session; the Kafka key. */
  sessionId: string;
  /** Exam of the session. */
  examId: string;
  /** Candidate sitting the session. */
  candidateId: string;
  /** Risk from 0 (nothing seen) to 100 (certain misconduct). */
  riskScore: number;
  /** The band riskScore falls in. */
  level: RiskLevel;
  /** captureTime of the newest score included, epoch milliseconds (UTC). */
  captureTime: number;
  /** When the risk was computed, epoch milliseconds (UTC). */
  computedTime: number;
  /** The rules behind the score, largest first. */
  contributions: RiskContribution[];
}

/** STARTED and ENDED bound the session; HEARTBEAT proves the client is alive; APP_CLOSED: the client closed an application the exam forbids (detail: its name); SCREEN_SHARE_STOPPED and SCREEN_SHARE_RESUMED: the candidate stopped sharing the screen (a browser lets them) and shared it again; the rest are candidate actions. */
export type SessionEventType = 'STARTED' | 'HEARTBEAT' | 'FOCUS_LOST' | 'FOCUS_GAINED' | 'CLIPBOARD_USED' | 'ENDED' | 'APP_CLOSED' | 'SCREEN_SHARE_STOPPED' | 'SCREEN_SHARE_RESUMED';

/** Lifecycle and focus events of an exam session. Topic proctor.sessions.v1, key sessionId. */
export interface SessionEvent {
  /** Exam session; the Kafka key. */
  sessionId: string;
  /** Exam of the session, taken from the ingest token. */
  examId: string;
  /** Candidate (user id) sitting the session, taken from the ingest token. */
  candidateId: string;
  /** Per-session sequence number assigned by the client (see FrameCaptured.seq). */
  seq: number;
  /** When the event happened on the client, epoch milliseconds (UTC). */
  captureTime: number;
  /** What happened. */
  type: SessionEventType;
  /** Desktop client version, sent with STARTED. */
  clientVersion: null | string;
  /** Free text for a proctor, e.g. the window that took focus or the application closed. */
  detail: null | string;
}

/** ENDED: the exam is over (records captured before endedTime are still taken: a desktop uploads what it buffered); REVOKED: its candidate was disabled, nothing more is taken; ERASED: its candidate's data was erased, nothing more is taken or kept anywhere. */
export type SessionStatusKind = 'ENDED' | 'REVOKED' | 'ERASED';

/** A session that may send no more, written by the API when it happens. Topic proctor.session-status.v1, key sessionId. The gateway and every stage follow it as a table: a session with no status is live. */
export interface SessionStatus {
  /** The session; the Kafka key. */
  sessionId: string;
  /** Why the session sends no more. */
  status: SessionStatusKind;
  /** When it stopped, epoch milliseconds (UTC). */
  endedTime: number;
}

/** A small copy of a session's latest webcam frame, for the proctors' live wall; written by the face stage every few seconds per session. Topic proctor.thumbnails.v1, key sessionId. */
export interface Thumbnail {
  /** Exam session; the Kafka key. */
  sessionId: string;
  /** Exam of the session. */
  examId: string;
  /** When the webcam frame was captured, epoch milliseconds (UTC). */
  captureTime: number;
  /** Pixel width of the thumbnail. */
  width: number;
  /** Pixel height of the thumbnail. */
  height: number;
  /** The thumbnail, a JPEG. */
  jpeg: Buffer;
}

/** Every top-level schema, by the name of its .avsc file. */
export interface Contracts {
  AlertEvent: AlertEvent;
  AlertReview: AlertReview;
  AudioChunk: AudioChunk;
  DeadLetter: DeadLetter;
  DetectorScore: DetectorScore;
  ExamPolicy: ExamPolicy;
  FrameCaptured: FrameCaptured;
  IngestBatch: IngestBatch;
  ProcessSnapshot: ProcessSnapshot;
  RiskUpdate: RiskUpdate;
  SessionEvent: SessionEvent;
  SessionStatus: SessionStatus;
  Thumbnail: Thumbnail;
}

/** The text of every schema (schemas/avro/<name>.avsc), as registered. */
export const avroSchemaTexts: Record<keyof Contracts, string> = {
  AlertEvent: "{\n  \"type\": \"record\",\n  \"name\": \"AlertEvent\",\n  \"namespace\": \"dev.proctoflex.v1\",\n  \"doc\": \"A change of an alert's state. Topic proctor.alerts.v1, key sessionId.\",\n  \"fields\": [\n    {\n      \"name\": \"alertId\",\n      \"type\": \"string\",\n      \"doc\": \"Deterministic id derived from (sessionId, rule, startSeq), so replays and restarts never create a second alert.\"\n    },\n    { \"name\": \"sessionId\", \"type\": \"string\", \"doc\": \"Exam session; the Kafka key.\" },\n    { \"name\": \"examId\", \"type\": \"string\", \"doc\": \"Exam of the session.\" },\n    { \"name\": \"candidateId\", \"type\": \"string\", \"doc\": \"Candidate sitting the session.\" },\n    {\n      \"name\": \"rule\",\n      \"type\": \"string\",\n      \"doc\": \"The rule that fired, e.g. no_face, phone_visible, client_disconnected.\"\n    },\n    {\n      \"name\": \"action\",\n      \"type\": {\n        \"type\": \"enum\",\n        \"name\": \"AlertAction\",\n        \"symbols\": [\"OPENED\", \"UPDATED\", \"CLOSED\"],\n        \"doc\": \"Lifecycle step of the alert.\"\n      },\n      \"doc\": \"What changed.\"\n    },\n    { \"name\": \"revision\", \"type\": \"int\", \"doc\": \"Grows by one per event of this alert, so a sink keeps the newest.\" },\n    {\n      \"name\": \"severity\",\n      \"type\": {\n        \"type\": \"enum\",\n        \"name\": \"AlertSeverity\",\n        \"symbols\": [\"LOW\", \"MEDIUM\", \"HIGH\", \"CRITICAL\"],\n        \"doc\": \"How urgently a proctor should look.\"\n      },\n      \"doc\": \"Current severity; it only rises while the alert is open.\"\n    },\n    { \"name\": \"description\", \"type\": \"string\", \"doc\": \"For a human, e.g. \\\"No face visible for 34 s\\\".\" },\n    { \"name\": \"startSeq\", \"type\": \"long\", \"doc\": \"seq of the first input record that supports the alert.\" },\n    {\n      \"name\": \"startTime\",\n      \"type\": { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" },\n      \"doc\": \"captureTime at which the condition began, epoch milliseconds (UTC).\"\n    },\n    {\n      \"name\": \"eventTime\",\n      \"type\": { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" },\n      \"doc\": \"captureTime of the input that caused this event, epoch milliseconds (UTC).\"\n    },\n    {\n      \"name\": \"endTime\",\n      \"type\": [\"null\", { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" }],\n      \"default\": null,\n      \"doc\": \"When the condition cleared, epoch milliseconds (UTC); set on CLOSED.\"\n    },\n    {\n      \"name\": \"evidence\",\n      \"type\": {\n        \"type\": \"array\",\n        \"items\": {\n          \"type\": \"record\",\n          \"name\": \"EvidenceRef\",\n          \"doc\": \"An input record that supports the alert.\",\n          \"fields\": [\n            { \"name\": \"topic\", \"type\": \"string\", \"doc\": \"Topic of the record, e.g. proctor.frames.v1.\" },\n            { \"name\": \"seq\", \"type\": \"long\", \"doc\": \"Its per-session seq.\" },\n            {\n              \"name\": \"captureTime\",\n              \"type\": { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" },\n              \"doc\": \"Its captureTime, epoch milliseconds (UTC).\"\n            }\n          ]\n        }\n      },\n      \"default\": [],\n      \"doc\": \"Frames, audio chunks or snapshots that show the condition.\"\n    },\n    {\n      \"name\": \"scores\",\n      \"type\": {\n        \"type\": \"array\",\n        \"items\": {\n          \"type\": \"record\",\n          \"name\": \"ScoreRef\",\n          \"doc\": \"A detector score behind the alert.\",\n          \"fields\": [\n            {\n              \"name\": \"detector\",\n              \"type\": {\n                \"type\": \"enum\",\n                \"name\": \"Detector\",\n                \"symbols\": [\"FACE\", \"OBJECT\", \"VOICE\", \"APP_POLICY\"],\n                \"doc\": \"The processor that scored the input.\"\n              },\n              \"doc\": \"Processor that produced it.\"\n            },\n            { \"name\": \"signal\", \"type\": \"string\", \"doc\": \"Signal name.\" },\n            { \"name\": \"score\", \"type\": \"double\", \"doc\": \"Its score, 0 to 1.\" },\n            { \"name\": \"sourceSeq\", \"type\": \"long\", \"doc\": \"seq of the scored input.\" }\n          ]\n        }\n      },\n      \"default\": [],\n      \"doc\": \"Detector scores behind the alert.\"\n    }\n  ]\n}\n",
  AlertReview: "{\n  \"type\": \"record\",\n  \"name\": \"AlertReview\",\n  \"namespace\": \"dev.proctoflex.v1\",\n  \"doc\": \"A proctor's decision on an alert, published by the API when it is made. Topic proctor.reviews.v1, key sessionId.\",\n  \"fields\": [\n    { \"name\": \"alertId\", \"type\": \"string\", \"doc\": \"The reviewed alert (AlertEvent.alertId).\" },\n    { \"name\": \"sessionId\", \"type\": \"string\", \"doc\": \"Exam session of the alert; the Kafka key.\" },\n    { \"name\": \"examId\", \"type\": \"string\", \"doc\": \"Exam of the session.\" },\n    { \"name\": \"rule\", \"type\": \"string\", \"doc\": \"Rule of the reviewed alert, e.g. phone_visible.\" },\n    {\n      \"name\": \"decision\",\n      \"type\": {\n        \"type\": \"enum\",\n        \"name\": \"ReviewDecision\",\n        \"symbols\": [\"CONFIRMED\", \"DISMISSED\", \"ESCALATED\"],\n        \"doc\": \"What a proctor decided about an alert.\"\n      },\n      \"doc\": \"The decision.\"\n    },\n    { \"name\": \"reviewerId\", \"type\": \"string\", \"doc\": \"User id of the proctor who decided.\" },\n    {\n      \"name\": \"reviewedTime\",\n      \"type\": { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" },\n      \"doc\": \"When the decision was made, epoch milliseconds (UTC).\"\n    }\n  ]\n}\n",
  AudioChunk: "{\n  \"type\": \"record\",\n  \"name\": \"AudioChunk\",\n  \"namespace\": \"dev.proctoflex.v1\",\n  \"doc\": \"About one second of microphone audio. Topic proctor.audio.v1, key sessionId.\",\n  \"fields\": [\n    { \"name\": \"sessionId\", \"type\": \"string\", \"doc\": \"Exam session the audio belongs to; the Kafka key.\" },\n    { \"name\": \"examId\", \"type\": \"string\", \"doc\": \"Exam of the session, taken from the ingest token.\" },\n    {\n      \"name\": \"candidateId\",\n      \"type\": \"string\",\n      \"doc\": \"Candidate (user id) sitting the session, taken from the ingest token.\"\n    },\n    {\n      \"name\": \"seq\",\n      \"type\": \"long\",\n      \"doc\": \"Per-session sequence number assigned by the client (see FrameCaptured.seq).\"\n    },\n    {\n      \"name\": \"captureTime\",\n      \"type\": { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" },\n      \"doc\": \"When the first sample of the chunk was captured, epoch milliseconds (UTC).\"\n    },\n    {\n      \"name\": \"sampleRate\",\n      \"type\": \"int\",\n      \"default\": 16000,\n      \"doc\": \"Samples per second; the client resamples to 16000.\"\n    },\n    { \"name\": \"durationMs\", \"type\": \"int\", \"doc\": \"Length of the chunk in milliseconds.\" },\n    { \"name\": \"pcm\", \"type\": \"bytes\", \"doc\": \"Mono PCM, signed 16-bit little-endian samples, at most 256 KiB.\" }\n  ]\n}\n",
  DeadLetter: "{\n  \"type\": \"record\",\n  \"name\": \"DeadLetter\",\n  \"namespace\": \"dev.proctoflex.v1\",\n  \"doc\": \"An input record a stage could not decode or process, kept with the reason. Topic proctor.dlq.v1, key the source record's key.\",\n  \"fields\": [\n    { \"name\": \"stage\", \"type\": \"string\", \"doc\": \"Stage that gave up on the record, e.g. face.\" },\n    { \"name\": \"sourceTopic\", \"type\": \"string\", \"doc\": \"Topic the record was read from.\" },\n    { \"name\": \"sourcePartition\", \"type\": \"int\", \"doc\": \"Its partition.\" },\n    { \"name\": \"sourceOffset\", \"type\": \"long\", \"doc\": \"Its offset.\" },\n    { \"name\": \"key\", \"type\": [\"null\", \"bytes\"], \"default\": null, \"doc\": \"The record's original key bytes.\" },\n    {\n      \"name\": \"value\",\n      \"type\": [\"null\", \"bytes\"],\n      \"default\": null,\n      \"doc\": \"The record's original value bytes, untouched, so it can be replayed after a fix.\"\n    },\n    { \"name\": \"errorType\", \"type\": \"string\", \"doc\": \"Class of the error, e.g. DecodeError.\" },\n    { \"name\": \"error\", \"type\": \"string\", \"doc\": \"The error message: why the record was refused.\" },\n    {\n      \"name\": \"failedTime\",\n      \"type\": { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" },\n      \"doc\": \"When the stage gave up, epoch milliseconds (UTC).\"\n    }\n  ]\n}\n",
  DetectorScore: "{\n  \"type\": \"record\",\n  \"name\": \"DetectorScore\",\n  \"namespace\": \"dev.proctoflex.v1\",\n  \"doc\": \"What one detector found in one input record. Topic proctor.scores.v1, key sessionId.\",\n  \"fields\": [\n    { \"name\": \"sessionId\", \"type\": \"string\", \"doc\": \"Exam session; the Kafka key.\" },\n    { \"name\": \"examId\", \"type\": \"string\", \"doc\": \"Exam of the session.\" },\n    { \"name\": \"candidateId\", \"type\": \"string\", \"doc\": \"Candidate sitting the session.\" },\n    { \"name\": \"sourceTopic\", \"type\": \"string\", \"doc\": \"Topic of the scored input record, e.g. proctor.frames.v1.\" },\n    {\n      \"name\": \"sourceSeq\",\n      \"type\": \"long\",\n      \"doc\": \"seq of the scored input record; with sessionId and sourceTopic it names the evidence.\"\n    },\n    {\n      \"name\": \"captureTime\",\n      \"type\": { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" },\n      \"doc\": \"captureTime of the scored input, epoch milliseconds (UTC).\"\n    },\n    {\n      \"name\": \"processedTime\",\n      \"type\": { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" },\n      \"doc\": \"When the detector finished, epoch milliseconds (UTC).\"\n    },\n    {\n      \"name\": \"detector\",\n      \"type\": {\n        \"type\": \"enum\",\n        \"name\": \"Detector\",\n        \"symbols\": [\"FACE\", \"OBJECT\", \"VOICE\", \"APP_POLICY\"],\n        \"doc\": \"The processor that scored the input.\"\n      },\n      \"doc\": \"Which processor produced the score.\"\n    },\n    {\n      \"name\": \"modelVersion\",\n      \"type\": \"string\",\n      \"doc\": \"Model file and version (or rule-set version) behind the score, for reproducibility.\"\n    },\n    {\n      \"name\": \"signals\",\n      \"type\": {\n        \"type\": \"array\",\n        \"items\": {\n          \"type\": \"record\",\n          \"name\": \"Signal\",\n          \"doc\": \"One thing the detector looked for, and how strongly it saw it.\",\n          \"fields\": [\n            {\n              \"name\": \"name\",\n              \"type\": \"string\",\n              \"doc\": \"Signal name, e.g. no_face, several_faces, looking_away, identity_mismatch, phone_visible, speech, forbidden_app.\"\n            },\n            { \"name\": \"score\", \"type\": \"double\", \"doc\": \"Confidence that the signal is present, 0 to 1.\" },\n            {\n              \"name\": \"measurements\",\n              \"type\": { \"type\": \"map\", \"values\": \"double\" },\n              \"default\": {},\n              \"doc\": \"Named numbers behind the score, e.g. faceCount, yawDegrees, pitchDegrees, similarity, speechSeconds, loudnessDbfs.\"\n            },\n            {\n              \"name\": \"labels\",\n              \"type\": { \"type\": \"array\", \"items\": \"string\" },\n              \"default\": [],\n              \"doc\": \"Names behind the score, e.g. the forbidden applications or domains found.\"\n            },\n            {\n              \"name\": \"boxes\",\n              \"type\": {\n                \"type\": \"array\",\n                \"items\": {\n                  \"type\": \"record\",\n                  \"name\": \"BoundingBox\",\n                  \"doc\": \"A detected object in image coordinates normalised to 0-1.\",\n                  \"fields\": [\n                    { \"name\": \"label\", \"type\": \"string\", \"doc\": \"What was detected, e.g. face, cell phone, book.\" },\n                    { \"name\": \"score\", \"type\": \"double\", \"doc\": \"Detection confidence, 0 to 1.\" },\n                    { \"name\": \"x\", \"type\": \"double\", \"doc\": \"Left edge, 0-1 of the image width.\" },\n                    { \"name\": \"y\", \"type\": \"double\", \"doc\": \"Top edge, 0-1 of the image height.\" },\n                    { \"name\": \"width\", \"type\": \"double\", \"doc\": \"Width, 0-1 of the image width.\" },\n                    { \"name\": \"height\", \"type\": \"double\", \"doc\": \"Height, 0-1 of the image height.\" }\n                  ]\n                }\n              },\n              \"default\": [],\n              \"doc\": \"Where in the frame the signal was seen.\"\n            }\n          ]\n        }\n      },\n      \"doc\": \"Every signal the detector evaluated, present or not, so absence is recorded too.\"\n    }\n  ]\n}\n",
  ExamPolicy: "{\n  \"type\": \"record\",\n  \"name\": \"ExamPolicy\",\n  \"namespace\": \"dev.proctoflex.v1\",\n  \"doc\": \"An exam's proctoring policy, published by the API on every change. Topic proctor.policies.v1 (compacted), key examId; read by stages as a table.\",\n  \"fields\": [\n    { \"name\": \"examId\", \"type\": \"string\", \"doc\": \"The exam; the Kafka key.\" },\n    {\n      \"name\": \"version\",\n      \"type\": \"long\",\n      \"doc\": \"Grows by one on every change of the exam, so a stage keeps the newest policy.\"\n    },\n    {\n      \"name\": \"updatedTime\",\n      \"type\": { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" },\n      \"doc\": \"When the policy was changed, epoch milliseconds (UTC).\"\n    },\n    { \"name\": \"title\", \"type\": \"string\", \"doc\": \"Exam title shown to proctors.\" },\n    {\n      \"name\": \"startTime\",\n      \"type\": { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" },\n      \"doc\": \"Start of the window in which sessions may start, epoch milliseconds (UTC).\"\n    },\n    {\n      \"name\": \"endTime\",\n      \"type\": { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" },\n      \"doc\": \"End of that window, epoch milliseconds (UTC).\"\n    },\n    { \"name\": \"durationMinutes\", \"type\": \"int\", \"doc\": \"How long one candidate's session may last.\" },\n    {\n      \"name\": \"surveillanceLevel\",\n      \"type\": {\n        \"type\": \"enum\",\n        \"name\": \"SurveillanceLevel\",\n        \"symbols\": [\"LOW\", \"STANDARD\", \"STRICT\"],\n        \"doc\": \"Picks the default rule set.\"\n      },\n      \"doc\": \"How strictly the exam is watched; rules default per level.\"\n    },\n    {\n      \"name\": \"allowedApps\",\n      \"type\": { \"type\": \"array\", \"items\": \"string\" },\n      \"default\": [],\n      \"doc\": \"Application names allowed besides the system ones (compared case-insensitively, aliases resolved).\"\n    },\n    {\n      \"name\": \"allowedDomains\",\n      \"type\": { \"type\": \"array\", \"items\": \"string\" },\n      \"default\": [],\n      \"doc\": \"Browser domains allowed; a domain allows its subdomains.\"\n    },\n    {\n      \"name\": \"ruleOverrides\",\n      \"type\": {\n        \"type\": \"array\",\n        \"items\": {\n          \"type\": \"record\",\n          \"name\": \"RuleOverride\",\n          \"doc\": \"Changes to one rule's defaults for this exam; null fields keep the level's default.\",\n          \"fields\": [\n            { \"name\": \"rule\", \"type\": \"string\", \"doc\": \"Rule name, e.g. no_face, looking_away, phone_visible.\" },\n            { \"name\": \"enabled\", \"type\": [\"null\", \"boolean\"], \"default\": null, \"doc\": \"False turns the rule off.\" },\n            {\n              \"name\": \"weight\",\n              \"type\": [\"null\", \"double\"],\n              \"default\": null,\n              \"doc\": \"Share of the 0-100 risk score the rule contributes at most.\"\n            },\n            {\n              \"name\": \"threshold\",\n              \"type\": [\"null\", \"double\"],\n              \"default\": null,\n              \"doc\": \"Detector score (0-1) or measurement above which the signal counts.\"\n            },\n            {\n              \"name\": \"persistSeconds\",\n              \"type\": [\"null\", \"double\"],\n              \"default\": null,\n              \"doc\": \"How long the signal must persist before the rule fires.\"\n            }\n          ]\n        }\n      },\n      \"default\": [],\n      \"doc\": \"Per-rule overrides of the surveillance level's defaults.\"\n    },\n    {\n      \"name\": \"deleted\",\n      \"type\": \"boolean\",\n      \"default\": false,\n      \"doc\": \"True once the exam is deleted; stages forget it.\"\n    }\n  ]\n}\n",
  FrameCaptured: "{\n  \"type\": \"record\",\n  \"name\": \"FrameCaptured\",\n  \"namespace\": \"dev.proctoflex.v1\",\n  \"doc\": \"One JPEG frame from a candidate's webcam or screen, as captured by the desktop client. Topic proctor.frames.v1, key sessionId.\",\n  \"fields\": [\n    { \"name\": \"sessionId\", \"type\": \"string\", \"doc\": \"Exam session the frame belongs to; the Kafka key.\" },\n    { \"name\": \"examId\", \"type\": \"string\", \"doc\": \"Exam of the session, taken from the ingest token.\" },\n    {\n      \"name\": \"candidateId\",\n      \"type\": \"string\",\n      \"doc\": \"Candidate (user id) sitting the session, taken from the ingest token.\"\n    },\n    {\n      \"name\": \"seq\",\n      \"type\": \"long\",\n      \"doc\": \"Per-session sequence number assigned by the client, shared by all of the session's records; grows by one per record, so replays are recognised.\"\n    },\n    {\n      \"name\": \"captureTime\",\n      \"type\": { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" },\n      \"doc\": \"When the client captured the frame, epoch milliseconds (UTC).\"\n    },\n    {\n      \"name\": \"source\",\n      \"type\": {\n        \"type\": \"enum\",\n        \"name\": \"FrameSource\",\n        \"symbols\": [\"WEBCAM\", \"SCREEN\"],\n        \"doc\": \"Which device produced the frame.\"\n      },\n      \"doc\": \"WEBCAM frames are scored by the face and object processors; SCREEN frames are kept as evidence only.\"\n    },\n    {\n      \"name\": \"enrolment\",\n      \"type\": \"boolean\",\n      \"default\": false,\n      \"doc\": \"True for the reference photo taken before the exam; its face embedding is the session's identity reference.\"\n    },\n    { \"name\": \"width\", \"type\": \"int\", \"doc\": \"Image width in pixels.\" },\n    { \"name\": \"height\", \"type\": \"int\", \"doc\": \"Image height in pixels.\" },\n    { \"name\": \"jpeg\", \"type\": \"bytes\", \"doc\": \"The JPEG-encoded image, at most 1 MiB.\" }\n  ]\n}\n",
  IngestBatch: "{\n  \"type\": \"record\",\n  \"name\": \"IngestBatch\",\n  \"namespace\": \"dev.proctoflex.v1\",\n  \"doc\": \"What a desktop client sends to the ingest gateway: one WebSocket message or one POST /v1/events body. Not a Kafka topic: the gateway unpacks it and produces each record to its kind's topic.\",\n  \"fields\": [\n    {\n      \"name\": \"batchId\",\n      \"type\": \"long\",\n      \"doc\": \"Chosen by the client, growing per connection; the gateway's ack or refusal names it.\"\n    },\n    {\n      \"name\": \"records\",\n      \"type\": {\n        \"type\": \"array\",\n        \"items\": {\n          \"type\": \"record\",\n          \"name\": \"IngestRecord\",\n          \"doc\": \"One record for one topic.\",\n          \"fields\": [\n            {\n              \"name\": \"kind\",\n              \"type\": {\n                \"type\": \"enum\",\n                \"name\": \"RecordKind\",\n                \"symbols\": [\"FRAME\", \"AUDIO\", \"PROCESS\", \"SESSION\"],\n                \"doc\": \"FRAME: FrameCaptured to proctor.frames.v1; AUDIO: AudioChunk to proctor.audio.v1; PROCESS: ProcessSnapshot to proctor.process.v1; SESSION: SessionEvent to proctor.sessions.v1.\"\n              },\n              \"doc\": \"Which topic the record goes to.\"\n            },\n            {\n              \"name\": \"value\",\n              \"type\": \"bytes\",\n              \"doc\": \"The record in the registry wire format (magic byte 0, 4-byte schema id, Avro body), with a schema id registered for that topic (GET /v1/schemas).\"\n            }\n          ]\n        }\n      },\n      \"doc\": \"The records, in the order they go to Kafka; per session their seq must grow.\"\n    }\n  ]\n}\n",
  ProcessSnapshot: "{\n  \"type\": \"record\",\n  \"name\": \"ProcessSnapshot\",\n  \"namespace\": \"dev.proctoflex.v1\",\n  \"doc\": \"What runs on the candidate's machine at one moment. Topic proctor.process.v1, key sessionId.\",\n  \"fields\": [\n    { \"name\": \"sessionId\", \"type\": \"string\", \"doc\": \"Exam session the snapshot belongs to; the Kafka key.\" },\n    { \"name\": \"examId\", \"type\": \"string\", \"doc\": \"Exam of the session, taken from the ingest token.\" },\n    {\n      \"name\": \"candidateId\",\n      \"type\": \"string\",\n      \"doc\": \"Candidate (user id) sitting the session, taken from the ingest token.\"\n    },\n    {\n      \"name\": \"seq\",\n      \"type\": \"long\",\n      \"doc\": \"Per-session sequence number assigned by the client (see FrameCaptured.seq).\"\n    },\n    {\n      \"name\": \"captureTime\",\n      \"type\": { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" },\n      \"doc\": \"When the snapshot was taken, epoch milliseconds (UTC).\"\n    },\n    { \"name\": \"platform\", \"type\": \"string\", \"doc\": \"Operating system as Node reports it: linux, win32 or darwin.\" },\n    {\n      \"name\": \"processes\",\n      \"type\": {\n        \"type\": \"array\",\n        \"items\": {\n          \"type\": \"record\",\n          \"name\": \"RunningProcess\",\n          \"doc\": \"One running process.\",\n          \"fields\": [\n            { \"name\": \"pid\", \"type\": \"int\", \"doc\": \"Operating-system process id.\" },\n            {\n              \"name\": \"name\",\n              \"type\": \"string\",\n              \"doc\": \"Executable name as the OS reports it, e.g. google-chrome or Discord.exe.\"\n            },\n            {\n              \"name\": \"executablePath\",\n              \"type\": [\"null\", \"string\"],\n              \"default\": null,\n              \"doc\": \"Full path of the executable, when readable.\"\n            }\n          ]\n        }\n      },\n      \"doc\": \"Every process running for the candidate's user.\"\n    },\n    {\n      \"name\": \"foregroundApp\",\n      \"type\": [\"null\", \"string\"],\n      \"default\": null,\n      \"doc\": \"Executable name of the focused window's process, when known.\"\n    },\n    {\n      \"name\": \"foregroundWindowTitle\",\n      \"type\": [\"null\", \"string\"],\n      \"default\": null,\n      \"doc\": \"Title of the focused window, when known.\"\n    },\n    {\n      \"name\": \"browserDomains\",\n      \"type\": { \"type\": \"array\", \"items\": \"string\" },\n      \"default\": [],\n      \"doc\": \"Domains open in browser tabs, lower case, as far as the client can see them.\"\n    },\n    {\n      \"name\": \"displays\",\n      \"type\": {\n        \"type\": \"array\",\n        \"items\": {\n          \"type\": \"record\",\n          \"name\": \"Display\",\n          \"doc\": \"One attached display.\",\n          \"fields\": [\n            { \"name\": \"id\", \"type\": \"string\", \"doc\": \"Display id as the OS reports it.\" },\n            { \"name\": \"width\", \"type\": \"int\", \"doc\": \"Width in pixels.\" },\n            { \"name\": \"height\", \"type\": \"int\", \"doc\": \"Height in pixels.\" },\n            { \"name\": \"primary\", \"type\": \"boolean\", \"doc\": \"True for the display the exam runs on.\" }\n          ]\n        }\n      },\n      \"doc\": \"Every attached display; more than one is an extra-display signal.\"\n    },\n    {\n      \"name\": \"virtualMachineHints\",\n      \"type\": { \"type\": \"array\", \"items\": \"string\" },\n      \"default\": [],\n      \"doc\": \"Evidence that the client runs in a virtual machine, e.g. a hypervisor vendor in DMI data.\"\n    }\n  ]\n}\n",
  RiskUpdate: "{\n  \"type\": \"record\",\n  \"name\": \"RiskUpdate\",\n  \"namespace\": \"dev.proctoflex.v1\",\n  \"doc\": \"A session's risk at one moment, emitted at most once a second per session. Topic proctor.risk.v1, key sessionId.\",\n  \"fields\": [\n    { \"name\": \"sessionId\", \"type\": \"string\", \"doc\": \"Exam session; the Kafka key.\" },\n    { \"name\": \"examId\", \"type\": \"string\", \"doc\": \"Exam of the session.\" },\n    { \"name\": \"candidateId\", \"type\": \"string\", \"doc\": \"Candidate sitting the session.\" },\n    { \"name\": \"riskScore\", \"type\": \"double\", \"doc\": \"Risk from 0 (nothing seen) to 100 (certain misconduct).\" },\n    {\n      \"name\": \"level\",\n      \"type\": {\n        \"type\": \"enum\",\n        \"name\": \"RiskLevel\",\n        \"symbols\": [\"LOW\", \"MEDIUM\", \"HIGH\"],\n        \"doc\": \"Banded riskScore for display and sorting.\"\n      },\n      \"doc\": \"The band riskScore falls in.\"\n    },\n    {\n      \"name\": \"captureTime\",\n      \"type\": { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" },\n      \"doc\": \"captureTime of the newest score included, epoch milliseconds (UTC).\"\n    },\n    {\n      \"name\": \"computedTime\",\n      \"type\": { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" },\n      \"doc\": \"When the risk was computed, epoch milliseconds (UTC).\"\n    },\n    {\n      \"name\": \"contributions\",\n      \"type\": {\n        \"type\": \"array\",\n        \"items\": {\n          \"type\": \"record\",\n          \"name\": \"RiskContribution\",\n          \"doc\": \"How much one rule adds to the risk.\",\n          \"fields\": [\n            { \"name\": \"rule\", \"type\": \"string\", \"doc\": \"Rule name, e.g. no_face.\" },\n            {\n              \"name\": \"points\",\n              \"type\": \"double\",\n              \"doc\": \"Points of the 0-100 score this rule contributes after time decay.\"\n            }\n          ]\n        }\n      },\n      \"default\": [],\n      \"doc\": \"The rules behind the score, largest first.\"\n    }\n  ]\n}\n",
  SessionEvent: "{\n  \"type\": \"record\",\n  \"name\": \"SessionEvent\",\n  \"namespace\": \"dev.proctoflex.v1\",\n  \"doc\": \"Lifecycle and focus events of an exam session. Topic proctor.sessions.v1, key sessionId.\",\n  \"fields\": [\n    { \"name\": \"sessionId\", \"type\": \"string\", \"doc\": \"Exam session; the Kafka key.\" },\n    { \"name\": \"examId\", \"type\": \"string\", \"doc\": \"Exam of the session, taken from the ingest token.\" },\n    {\n      \"name\": \"candidateId\",\n      \"type\": \"string\",\n      \"doc\": \"Candidate (user id) sitting the session, taken from the ingest token.\"\n    },\n    {\n      \"name\": \"seq\",\n      \"type\": \"long\",\n      \"doc\": \"Per-session sequence number assigned by the client (see FrameCaptured.seq).\"\n    },\n    {\n      \"name\": \"captureTime\",\n      \"type\": { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" },\n      \"doc\": \"When the event happened on the client, epoch milliseconds (UTC).\"\n    },\n    {\n      \"name\": \"type\",\n      \"type\": {\n        \"type\": \"enum\",\n        \"name\": \"SessionEventType\",\n        \"symbols\": [\n          \"STARTED\",\n          \"HEARTBEAT\",\n          \"FOCUS_LOST\",\n          \"FOCUS_GAINED\",\n          \"CLIPBOARD_USED\",\n          \"ENDED\",\n          \"APP_CLOSED\",\n          \"SCREEN_SHARE_STOPPED\",\n          \"SCREEN_SHARE_RESUMED\"\n        ],\n        \"doc\": \"STARTED and ENDED bound the session; HEARTBEAT proves the client is alive; APP_CLOSED: the client closed an application the exam forbids (detail: its name); SCREEN_SHARE_STOPPED and SCREEN_SHARE_RESUMED: the candidate stopped sharing the screen (a browser lets them) and shared it again; the rest are candidate actions.\"\n      },\n      \"doc\": \"What happened.\"\n    },\n    {\n      \"name\": \"clientVersion\",\n      \"type\": [\"null\", \"string\"],\n      \"default\": null,\n      \"doc\": \"Desktop client version, sent with STARTED.\"\n    },\n    {\n      \"name\": \"detail\",\n      \"type\": [\"null\", \"string\"],\n      \"default\": null,\n      \"doc\": \"Free text for a proctor, e.g. the window that took focus or the application closed.\"\n    }\n  ]\n}\n",
  SessionStatus: "{\n  \"type\": \"record\",\n  \"name\": \"SessionStatus\",\n  \"namespace\": \"dev.proctoflex.v1\",\n  \"doc\": \"A session that may send no more, written by the API when it happens. Topic proctor.session-status.v1, key sessionId. The gateway and every stage follow it as a table: a session with no status is live.\",\n  \"fields\": [\n    { \"name\": \"sessionId\", \"type\": \"string\", \"doc\": \"The session; the Kafka key.\" },\n    {\n      \"name\": \"status\",\n      \"type\": {\n        \"type\": \"enum\",\n        \"name\": \"SessionStatusKind\",\n        \"symbols\": [\"ENDED\", \"REVOKED\", \"ERASED\"],\n        \"doc\": \"ENDED: the exam is over (records captured before endedTime are still taken: a desktop uploads what it buffered); REVOKED: its candidate was disabled, nothing more is taken; ERASED: its candidate's data was erased, nothing more is taken or kept anywhere.\"\n      },\n      \"doc\": \"Why the session sends no more.\"\n    },\n    {\n      \"name\": \"endedTime\",\n      \"type\": { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" },\n      \"doc\": \"When it stopped, epoch milliseconds (UTC).\"\n    }\n  ]\n}\n",
  Thumbnail: "{\n  \"type\": \"record\",\n  \"name\": \"Thumbnail\",\n  \"namespace\": \"dev.proctoflex.v1\",\n  \"doc\": \"A small copy of a session's latest webcam frame, for the proctors' live wall; written by the face stage every few seconds per session. Topic proctor.thumbnails.v1, key sessionId.\",\n  \"fields\": [\n    { \"name\": \"sessionId\", \"type\": \"string\", \"doc\": \"Exam session; the Kafka key.\" },\n    { \"name\": \"examId\", \"type\": \"string\", \"doc\": \"Exam of the session.\" },\n    {\n      \"name\": \"captureTime\",\n      \"type\": { \"type\": \"long\", \"logicalType\": \"timestamp-millis\" },\n      \"doc\": \"When the webcam frame was captured, epoch milliseconds (UTC).\"\n    },\n    { \"name\": \"width\", \"type\": \"int\", \"doc\": \"Pixel width of the thumbnail.\" },\n    { \"name\": \"height\", \"type\": \"int\", \"doc\": \"Pixel height of the thumbnail.\" },\n    { \"name\": \"jpeg\", \"type\": \"bytes\", \"doc\": \"The thumbnail, a JPEG.\" }\n  ]\n}\n",
};

