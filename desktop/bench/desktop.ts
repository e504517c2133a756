import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TcpLink } from '@proctoflex/core/testing';
import { newSessionClaims, startTestGateway } from '@proctoflex/ingest/testing';
import { sceneFrames, soundChunks } from '@proctoflex/ingest/sim';
import { DiskQueue } from '../src/queue.ts';
import { Uploader } from '../src/uploader.ts';

/**
 * `npm run bench:desktop [outage minutes]`: the desktop's sending side on this machine.
 * 1. The encrypted disk queue: appending and reading back webcam frames (the simulator's 640x480
 *    JPEG) and 1 s audio chunks, as the main process does for every capture and every catch-up.
 * 2. Catching up after an outage: what one candidate captures in `outage minutes` at the STANDARD
 *    rates (audio every second, a frame every 2 s, a process snapshot and a heartbeat every 5 s)
 *    is queued while the link to a real gateway is cut, then uploaded once it is back, at the
 *    gateway's default per-session rate limit.
 */
const outageMinutes = Number(process.argv[2] ?? '10');

const frame = (await sceneFrames()).candidate[0]!;
const pcm = soundChunks().speech[0]!;
const mib = (bytes: number) => bytes / 1024 / 1024;

async function queueBench(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-queue-'));
  try {
    const queue = DiskQueue.open(dir, randomBytes(32), 4 * 1024 * 1024 * 1024);
    const count = 3000;
    const values = Array.from({ length: count }, (_, seq) => ({
      seq,
      kind: seq % 2 ? ('AUDIO' as const) : ('FRAME' as const),
      value: seq % 2 ? pcm : frame,
    }));
    const bytes = values.reduce((sum, { value }) => sum + value.length, 0);
    let started = performance.now();
    for (const record of values) queue.append([record]);
    const appendMs = performance.now() - started;
    started = performance.now();
    let read = 0;
    for (let after = -1; after < count - 1;) {
      const batch = queue.read(after, 200);
      read += batch.length;
      after = batch.at(-1)!.seq;
    }
    const readMs = performance.now() - started;
    started = performance.now();
    for (let seq = 99; seq < count; seq += 100) queue.acknowledge(seq);
    const ackMs = performance.now() - started;
    console.log(
      `queue: ${count} records (${mib(bytes).toFixed(1)} MiB; frame ${(frame.length / 1024).toFixed(1)} KiB, audio ${(pcm.length / 1024).toFixed(1)} KiB)\n` +
        `  append ${((appendMs * 1000) / count).toFixed(0)} µs/record, ${(mib(bytes) / (appendMs / 1000)).toFixed(0)} MiB/s\n` +
        `  read back (catch-up) ${(mib(bytes) / (readMs / 1000)).toFixed(0)} MiB/s (${read} records, 200 per read)\n` +
        `  acknowledge all, deleting ${queue.bytes === 0 ? 'every' : 'not every'} segment: ${ackMs.toFixed(0)} ms`,
    );
    queue.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function catchUpBench(): Promise<void> {
  const gateway = await startTestGateway();
  const link = await TcpLink.open(new URL(gateway.baseUrl));
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-catch-up-'));
  try {
    const claims = newSessionClaims();
    const ingestUrl = link.via(gateway.baseUrl).replace(/\/$/, '');
    const grant = { ...claims, ingestUrl, ingestToken: gateway.token(claims, 3600) };
    const uploader = await Uploader.open({
      queue: DiskQueue.open(dir, randomBytes(32), 1024 * 1024 * 1024),
      grant,
      refreshGrant: () => Promise.resolve(grant),
    });
    while (uploader.status().connection !== 'online') await new Promise((resolve) => setTimeout(resolve, 50));
    await link.cut();
    // The outage's captures, timed as they would have been.
    const start = Date.now() - outageMinutes * 60_000;
    for (let second = 0; second < outageMinutes * 60; second += 1) {
      const captureTime = start + second * 1000;
      uploader.add('AUDIO', { captureTime, sampleRate: 16_000, durationMs: 1000, pcm });
      if (second % 2 === 0)
        uploader.add('FRAME', {
          captureTime,
          source: 'WEBCAM',
          enrolment: false,
          width: 640,
          height: 480,
          jpeg: frame,
        });
      if (second % 5 === 0) {
        uploader.add('PROCESS', {
          captureTime,
          platform: 'linux',
          processes: [{ pid: 1, name: 'proctoflex', executablePath: null }],
          foregroundApp: 'proctoflex',
          foregroundWindowTitle: 'ProctoFlex exam',
          browserDomains: [],
          displays: [{ id: '1', width: 1920, height: 1080, primary: true }],
          virtualMachineHints: [],
        });
        uploader.add('SESSION', { captureTime, type: 'HEARTBEAT', clientVersion: null, detail: null });
      }
    }
    const { queuedRecords, queuedBytes } = uploader.status();
    const started = performance.now();
    await link.restore();
    if (!(await uploader.drain(30 * 60_000))) throw new Error('the queue did not drain in 30 minutes');
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `catch-up after a ${outageMinutes}-minute outage: ${queuedRecords} records, ${mib(queuedBytes).toFixed(1)} MiB on disk\n` +
        `  uploaded in ${seconds.toFixed(1)} s: ${(queuedRecords / seconds).toFixed(0)} records/s, ${(mib(queuedBytes) / seconds).toFixed(1)} MiB/s` +
        ` (gateway default: 20 records/s a session, bursts of 1000)`,
    );
    await uploader.remove();
  } finally {
    await link.cut();
    await gateway.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await queueBench();
await catchUpBench();
