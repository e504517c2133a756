import { parsers, topicsSpec, variable, type ConfigOf } from '@proctoflex/core';

export const riskSpec = {
  SCORES_TOPIC: topicsSpec.SCORES_TOPIC,
  SESSIONS_TOPIC: topicsSpec.SESSIONS_TOPIC,
  POLICIES_TOPIC: topicsSpec.POLICIES_TOPIC,
  RISK_TOPIC: topicsSpec.RISK_TOPIC,
  ALERTS_TOPIC: topicsSpec.ALERTS_TOPIC,
  RISK_ESCALATE_AFTER_MS: variable(
    parsers.positiveInt,
    "Open this long (capture time), an alert's severity rises one step.",
    '60000',
  ),
  RISK_UPDATE_EVERY_MS: variable(
    parsers.positiveInt,
    'An open alert is sent again with its new evidence at most this often (capture time).',
    '10000',
  ),
  RISK_HEARTBEAT_TIMEOUT_MS: variable(
    parsers.positiveInt,
    'A session whose client sent nothing for this long (heartbeats come every 5 s) gets a client_disconnected alert.',
    '20000',
  ),
  RISK_DECAY_HALF_LIFE_MS: variable(
    parsers.positiveInt,
    "After its alert closed, a rule's share of the risk score halves every this long.",
    '120000',
  ),
};

export type RiskConfig = ConfigOf<typeof riskSpec>;
