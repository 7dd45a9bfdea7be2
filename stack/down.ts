// `npx tsx stack/down.ts`: stops what `npm start` left running, plus services orphaned by a
// run that was killed outright, using the pid files in .data/run/. Services of a test run
// that is still going are left alone (pass --all to stop them too). Apps go first, so they
// don't see Kafka/Redis vanish under them.
import { isPidAlive, listPidFiles, stopRecordedProcess } from './process.ts';
import type { PidFile } from './process.ts';

const stopEverything = process.argv.includes('--all');
const isService = (r: PidFile): boolean => ['kafka-', 'redis-', 'postgres-'].some((prefix) => r.name.startsWith(prefix));

async function stopAll(records: PidFile[]): Promise<void> {
  await Promise.all(
    records.map(async (record) => {
      const outcome = await stopRecordedProcess(record);
      console.log(`helix stack: ${record.name} (pid ${record.pid}, started by ${record.owner}): ${outcome}`);
    }),
  );
}

const records = listPidFiles();
const toStop = records.filter((r) => stopEverything || r.owner === 'npm start' || !isPidAlive(r.ownerPid));
for (const r of records.filter((r) => !toStop.includes(r))) {
  console.log(`helix stack: leaving ${r.name} (pid ${r.pid}): its ${r.owner} (pid ${r.ownerPid}) is still running; --all stops it anyway`);
}
if (toStop.length === 0) {
  console.log('helix stack: nothing to stop');
} else {
  await stopAll(toStop.filter((r) => !isService(r)));
  await stopAll(toStop.filter(isService));
}
