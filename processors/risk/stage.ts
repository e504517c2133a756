import {
  pipelineStage,
  type DetectorScore,
  type ExamPolicy,
  type OutputRecord,
  type SessionEvent,
  type Tables,
  rulesFor,
  type Rule,
} from '@proctoflex/core';
import { riskSpec } from './config.ts';
import {
  applyScore,
  checkSilence,
  endSession,
  heardFrom,
  newlySilent,
  newSessionRisk,
  type Emitted,
  type SessionRisk,
} from './engine.ts';

/**
 * Turns the processors' scores into each session's risk (proctor.risk.v1) and alerts
 * (proctor.alerts.v1) under its exam's rules (the policies table), on capture time. A session's
 * rules state is its changelog value, so a restarted instance goes on where the last one stopped.
 */
export const riskStage = pipelineStage<typeof riskSpec, SessionRisk>({
  name: 'risk',
  spec: riskSpec,
  variablePrefix: 'RISK_',
  create(config) {
    const options = {
      escalateAfterMs: config.RISK_ESCALATE_AFTER_MS,
      updateEveryMs: config.RISK_UPDATE_EVERY_MS,
      decayHalfLifeMs: config.RISK_DECAY_HALF_LIFE_MS,
      heartbeatTimeoutMs: config.RISK_HEARTBEAT_TIMEOUT_MS,
    };
    const rulesOf = (tables: Tables, examId: string) =>
      rulesFor(tables.get(config.POLICIES_TOPIC, examId) as ExamPolicy | undefined);
    const outputsOf = ({ alerts, risks }: Emitted): OutputRecord[] => [
      ...alerts.map((alert) => ({ topic: config.ALERTS_TOPIC, key: alert.sessionId, value: alert })),
      ...risks.map((risk) => ({ topic: config.RISK_TOPIC, key: risk.sessionId, value: risk })),
    ];
    return {
      inputs: [config.SCORES_TOPIC, config.SESSIONS_TOPIC],
      tables: [config.POLICIES_TOPIC],
      outputs: [
        { topic: config.RISK_TOPIC, schema: 'RiskUpdate' },
        { topic: config.ALERTS_TOPIC, schema: 'AlertEvent' },
      ],
      delivery: 'exactly-once',
      stateful: true,
      tickIntervalMs: 1000,
      open: () =>
        Promise.resolve({
          processBatch(records, { state, tables }) {
            // Working copies: the committed state must not change unless the batch commits.
            const sessions = new Map<string, SessionRisk>();
            const sessionOf = (value: { sessionId: string; examId: string; candidateId: string }) => {
              let session = sessions.get(value.sessionId);
              if (!session) {
                const stored = state.get(value.sessionId);
                session = stored ? structuredClone(stored) : newSessionRisk(value.examId, value.candidateId);
                sessions.set(value.sessionId, session);
              }
              return session;
            };
            const outputs: OutputRecord[] = [];
            const rulesOfExam = new Map<string, Rule[]>();
            for (const { topic, value, timestamp } of records) {
              const { examId } = value as { examId: string };
              let rules = rulesOfExam.get(examId);
              if (!rules) {
                rules = rulesOf(tables, examId);
                rulesOfExam.set(examId, rules);
              }
              if (topic === config.SCORES_TOPIC) {
                const score = value as DetectorScore;
                outputs.push(...outputsOf(applyScore(sessionOf(score), score, rules, options)));
              } else {
                const event = value as SessionEvent;
                const session = sessionOf(event);
                outputs.push(...outputsOf(heardFrom(session, event.sessionId, event, timestamp, rules, options)));
                if (event.type === 'ENDED')
                  outputs.push(...outputsOf(endSession(session, event.sessionId, event.captureTime, rules, options)));
              }
            }
            for (const [sessionId, session] of sessions) state.set(sessionId, session);
            return Promise.resolve(outputs);
          },
          /** Silence shows only in processing time: sessions read to the end whose client went quiet. */
          tick({ state, tables, now, sessionsCaughtUp }) {
            const outputs: OutputRecord[] = [];
            for (const sessionId of sessionsCaughtUp(config.SESSIONS_TOPIC)) {
              const stored = state.get(sessionId)!;
              if (!newlySilent(stored, now, options)) continue;
              const session = structuredClone(stored);
              outputs.push(
                ...outputsOf(checkSilence(session, sessionId, now, rulesOf(tables, session.examId), options)),
              );
              state.set(sessionId, session);
            }
            return Promise.resolve(outputs);
          },
        }),
    };
  },
});
