import { percentile, type DetectorScore } from '@proctoflex/core';
import { killStage, readTopicToEnd, testKafka, uniqueName, withAdmin } from '@proctoflex/core/testing';
import { processorStages } from '@proctoflex/pipeline';
import { TestPipeline } from '@proctoflex/pipeline/testing';
import { createTopics } from '@proctoflex/core';
import { mintSessions, runSimulation } from '@proctoflex/ingest/sim';
import { spawnGateway } from '@proctoflex/ingest/testing';

/**
 * `npm run bench:processors [candidates] [seconds]`: the simulator sends `candidates` desktops
 * through a gateway process for `seconds`, while one instance of each processor scores live
 * (capture-to-score latency, and how long each needs to catch up once the load stops). Then
 * each inference stage re-reads the recorded streams from the start, as fast as it can: frames/s
 * of one face instance and of two, object frames/s (every frame), audio chunks/s. Everything,
 * broker and registry included, shares this machine's cores.
 */
const candidates = Number(process.argv[2] ?? '100');
const seconds = Number(process.argv[3] ?? '60');

const kafka = testKafka();
const pipeline = await TestPipeline.create(kafka, 'bench.processors', 12);
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

async function readScores(topic: string): Promise<DetectorScore[]> {
  const messages = await readTopicToEnd(kafka, topic);
  return Promise.all(messages.map(async (message) => (await pipeline.serde.decode(message.value)) as DetectorScore));
}

async function live() {
  const gateway = await spawnGateway(pipeline.topics);
  const stages = processorStages.map(({ name }) => pipeline.spawnStage(name, {}, uniqueName(`bench-${name}`)));
  try {
    await Promise.all(stages.map((stage) => stage.process.started));
    await runSimulation({
      gatewayUrl: gateway.url,
      sessions: mintSessions(gateway.secret, 'bench', candidates, seconds + 3600),
      durationSeconds: seconds,
      rampSeconds: Math.max(2, candidates / 250),
      reportEverySeconds: 10,
      onReport: () => undefined,
    });
    const loadEnded = Date.now();
    const catchUpSeconds = new Map<string, number>();
    await Promise.all(
      stages.map(async (stage) => {
        await pipeline.stageCaughtUp(stage, 1_800_000);
        const { name } = stage;
        catchUpSeconds.set(name, (Date.now() - loadEnded) / 1000);
      }),
    );
    const scores = await readScores(pipeline.topics.SCORES_TOPIC);
    console.log(`\nlive: ${candidates} candidates for ${seconds} s, one instance of each processor\n`);
    console.log('| processor | scores | p50 capture-to-score ms | p99 ms | catch-up after the load, s |');
    console.log('|---|---|---|---|---|');
    for (const { name } of stages) {
      const own = scores.filter((score) => score.detector === name.toUpperCase().replace('-', '_'));
      const latency = summary(own.map((score) => score.processedTime - score.captureTime));
      console.log(
        `| ${name} | ${own.length} | ${latency.p50} | ${latency.p99} | ${catchUpSeconds.get(name)!.toFixed(1)} |`,
      );
    }
  } finally {
    gateway.stop();
    await Promise.all(stages.map(({ process }) => killStage(process)));
  }
}

/** Records/s of `instances` fresh instances of a stage reading its whole input from the start. */
async function replay(name: string, instances: number, env: Record<string, string> = {}) {
  const stageName = uniqueName(`bench-replay-${name}`);
  const scoresTopic = `${stageName}.scores`;
  await withAdmin(kafka, (admin) => createTopics(admin, [{ topic: scoresTopic, numPartitions: 12 }]));
  const instancesRun = Array.from({ length: instances }, (_, index) =>
    pipeline.spawnStage(name, { SCORES_TOPIC: scoresTopic, STAGE_INSTANCE_ID: `replay-${index}`, ...env }, stageName),
  );
  const processes = instancesRun.map(({ process }) => process);
  try {
    await Promise.all(processes.map((process) => process.started));
    await pipeline.stageCaughtUp(instancesRun[0]!, 1_800_000);
    const scores = await readScores(scoresTopic);
    const times = scores.map((score) => score.processedTime);
    const rate = scores.length / ((Math.max(...times) - Math.min(...times)) / 1000);
    console.log(`| ${name} | ${instances} | ${scores.length} | ${rate.toFixed(1)} |`);
  } finally {
    await Promise.all(processes.map((process) => killStage(process)));
    await withAdmin(kafka, (admin) => admin.deleteTopics({ topics: [scoresTopic] }));
  }
}

try {
  await live();
  console.log('\nreplay of the recorded streams, as fast as the stage goes\n');
  console.log('| processor | instances | scores | scored/s |');
  console.log('|---|---|---|---|');
  await replay('face', 1);
  await replay('face', 2);
  await replay('object', 1, { OBJECT_EVERY_NTH_FRAME: '1' });
  await replay('voice', 1);
} finally {
  await pipeline.close();
}
