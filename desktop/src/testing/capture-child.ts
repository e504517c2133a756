/**
 * A desktop's sending side in a process of its own, for the kill test: opens the uploader on the
 * queue directory and grant given as JSON in argv[2], captures a record every 20 ms and prints
 * each captured seq once the queue has it.
 */
import { DiskQueue } from '../queue.ts';
import { Uploader, type IngestGrant } from '../uploader.ts';

const { dir, key, grant } = JSON.parse(process.argv[2]!) as { dir: string; key: string; grant: IngestGrant };
const uploader = await Uploader.open({
  queue: DiskQueue.open(dir, Buffer.from(key, 'hex'), 64 * 1024 * 1024),
  grant,
  refreshGrant: () => Promise.reject(new Error('no refresh in this test')),
});
const pcm = Buffer.alloc(32_000, 7);
setInterval(() => {
  const captureTime = Date.now();
  if (uploader.add('AUDIO', { captureTime, sampleRate: 16_000, durationMs: 1000, pcm }))
    console.log(uploader.status().lastSeq);
}, 20);
