import { evidenceSpec, parsers, topicsSpec, variable, type ConfigOf } from '@proctoflex/core';

export const evidenceSinkSpec = {
  FRAMES_TOPIC: topicsSpec.FRAMES_TOPIC,
  AUDIO_TOPIC: topicsSpec.AUDIO_TOPIC,
  PROCESS_TOPIC: topicsSpec.PROCESS_TOPIC,
  ALERTS_TOPIC: topicsSpec.ALERTS_TOPIC,
  ...evidenceSpec,
  EVIDENCE_BEFORE_MS: variable(
    parsers.nonNegativeInt,
    'Capture time kept before the moment an alert opens (its evidence starts there).',
    '5000',
  ),
  EVIDENCE_AFTER_MS: variable(parsers.nonNegativeInt, 'Capture time kept after the moment an alert opens.', '5000'),
  EVIDENCE_BUFFER_MS: variable(
    parsers.positiveInt,
    "How much of each session's recent frames and audio is held in memory (capture time); an alert that reaches " +
      'the sink later than this after its moment has its media read back from Kafka. About 1.5 MB per session at 20 s.',
    '20000',
  ),
  EVIDENCE_STRIP_FRAMES: variable(
    parsers.positiveInt,
    'Frames in the JPEG strip, evenly spread over the evidence.',
    '6',
  ),
};

export type EvidenceSinkConfig = ConfigOf<typeof evidenceSinkSpec>;
