import { Partitioners } from 'kafkajs';
import {
  detectorScore,
  percentile,
  signal,
  type AlertEvent,
  type Detector,
  type DetectorScore,
  type Signal,
} from '@proctoflex/core';
import { examPolicy, readTopicToEnd, testKafka, uniqueName } from '@proctoflex/core/testing';
import { TestPipeline } from '@proctoflex/pipeline/testing';
import { behaviourOf, misbehaving, scriptedExam, type Behaviour } from '@proctoflex/ingest/sim';

/**
 * `npm run bench:risk [candidates] [seconds] [examMinutes]`:
 * 1. load: `candidates` simulated candidates' detector scores (the simulator's mix and rates: a
 *    face score every 2 s, object every 6 s, voice every second, app-policy every 5 s; signals
 *    present while the script misbehaves) produced in real time for `seconds` to one risk
 *    instance: capture-to-alert latency of the alerts it opens, then scores/s when a fresh
 *    instance re-reads them all;
 * 2. accuracy: an `examMinutes` scripted exam (two candidates per behaviour, two honest ones
 *    more) through the real processors and the risk stage: alerts per behaviour, false alerts.
 * Everything, broker and registry included, shares this machine's cores.
 */
const candidates = Number(process.argv[2] ?? '1000');
const seconds = Number(process.argv[3] ?? '60');
const examMinutes = Number(process.argv[4] ?? '10');
const kafka = testKafka();

/** What the processors would score for a candidate behaving so, `second` into the exam. */
function simulatedScores(sessionId: string, behaviour: Behaviour, second: number, now: number): DetectorScore[] {
  const doing = (misbehaviour: Behaviour) => (behaviour === misbehaviour && misbehaving(behaviour, second) ? 1 : 0);
  const score = (detector: Detector, sourceTopic: string, signals: Signal[]) => {
    const seq = second * 4 + ['FACE', 'OBJECT', 'VOICE', 'APP_POLICY'].indexOf(detector);
    const input = { sessionId, examId: 'bench', candidateId: sessionId, seq, captureTime: now };
    return detectorScore(input, sourceTopic, detector, 'bench', signals);
  };
  const scores = [
    score('VOICE', 'proctor.audio.v1', [
      signal('speech', doing('talks') * 0.9, { measurements: { speechSeconds: doing('talks') } }),
    ]),
  ];
  if (second % 2 === 0)
    scores.push(
      score('FACE', 'proctor.frames.v1', [
        signal('no_face', doing('leaves')),
        signal('several_faces', doing('second-person')),
        signal('looking_away', doing('looks-away')),
        signal('identity_mismatch', doing('impostor')),
      ]),
    );
  if (second % 6 === 0)
    scores.push(
      score('OBJECT', 'proctor.frames.v1', [
        signal('phone_visible', doing('phone')),
        signal('another_person', doing('second-person')),
      ]),
    );
  if (second % 5 === 0)
    scores.push(
      score('APP_POLICY', 'proctor.process.v1', [
        signal('forbidden_app', doing('forbidden-app')),
        signal('forbidden_domain', doing('forbidden-app')),
      ]),
    );
  return scores;
}

async function load() {
  const pipeline = await TestPipeline.create(kafka, 'bench.risk', 12);
  try {
    const sessionIds = Array.from({ length: candidates }, () => uniqueName('session'));
    const { process, stageName } = pipeline.spawnStage('risk');
    await process.started;
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const started = Date.now();
    for (let second = 0; second < seconds; second += 1) {
      const now = Date.now();
      const messages = sessionIds.flatMap((sessionId, index) =>
        simulatedScores(sessionId, behaviourOf(index), second, now).map((score) => ({
          key: sessionId,
          value: pipeline.serde.encode(pipeline.topics.SCORES_TOPIC, score),
        })),
      );
      await producer.send({ topic: pipeline.topics.SCORES_TOPIC, messages });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + (second + 1) * 1000 - Date.now())));
    }
    await producer.disconnect();
    await pipeline.caughtUp(stageName, 'SCORES_TOPIC', 600_000);

    const alertMessages = await readTopicToEnd(kafka, pipeline.topics.ALERTS_TOPIC);
    const latencies: number[] = [];
    for (const message of alertMessages) {
      const alert = (await pipeline.serde.decode(message.value)) as AlertEvent;
      if (alert.action === 'OPENED') latencies.push(Number(message.timestamp) - alert.eventTime);
    }
    latencies.sort((a, b) => a - b);
    const total = (await readTopicToEnd(kafka, pipeline.topics.SCORES_TOPIC)).length;
    console.log(`\nload: ${candidates} candidates for ${seconds} s, one risk instance`);
    console.log(`scores: ${total} (${(total / seconds).toFixed(0)}/s); alerts opened: ${latencies.length}`);
    console.log(`capture-to-alert: p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms`);

    const replay = Date.now();
    await pipeline.processAll('risk');
    console.log(
      `replay by a fresh instance: ${(total / ((Date.now() - replay) / 1000)).toFixed(0)} scores/s (start-up included)`,
    );
  } finally {
    await pipeline.close();
  }
}

async function accuracy() {
  const pipeline = await TestPipeline.create(kafka, 'bench.risk.accuracy', 12);
  try {
    await pipeline.produce(
      'POLICIES_TOPIC',
      [examPolicy('bench', { allowedDomains: ['proctoflex.dev'] })],
      () => 'bench',
    );
    const behaviours = [
      'honest',
      'honest',
      'honest',
      'honest',
      'looks-away',
      'looks-away',
      'phone',
      'phone',
      'second-person',
      'second-person',
      'talks',
      'talks',
      'forbidden-app',
      'forbidden-app',
      'leaves',
      'leaves',
      'impostor',
      'impostor',
    ] as Behaviour[];
    const { candidates: exam } = await scriptedExam('bench', behaviours, examMinutes * 60);
    for (const { records } of exam) await pipeline.produceSession(records);
    const started = Date.now();
    await pipeline.scoreAll();
    const risk = await pipeline.processAll('risk');
    await pipeline.caughtUp(risk, 'SESSIONS_TOPIC');
    const alerts = (await pipeline.read<AlertEvent>('ALERTS_TOPIC')).filter((alert) => alert.action === 'OPENED');
    console.log(
      `\naccuracy: a ${examMinutes}-minute scripted exam, ${exam.length} candidates, scored in ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
    );
    console.log('| behaviour | candidate | alerts opened, by rule |');
    console.log('|---|---|---|');
    for (const { behaviour, claims } of exam) {
      const rules = new Map<string, number>();
      for (const alert of alerts.filter((each) => each.sessionId === claims.sessionId))
        rules.set(alert.rule, (rules.get(alert.rule) ?? 0) + 1);
      const cell = [...rules].map(([rule, count]) => `${rule} ${count}`).join(', ') || 'none';
      console.log(`| ${behaviour} | ${claims.candidateId} | ${cell} |`);
    }
  } finally {
    await pipeline.close();
  }
}

await load();
await accuracy();
