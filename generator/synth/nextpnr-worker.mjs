// Runs YoWASP nextpnr-ice40 in a worker thread so the caller can stop it: nextpnr's placer can hang
// on some seeds (YosysHQ/nextpnr#1211), and a WebAssembly call on the main thread cannot be
// interrupted. Streams stdout/stderr chunks back, then the JSON report (or the error).
import { parentPort, workerData } from 'node:worker_threads';
import { runNextpnrIce40 } from '@yowasp/nextpnr-ice40';

const forward = (chunk) => {
  if (chunk) parentPort.postMessage({ type: 'output', chunk });
};
try {
  const files = await runNextpnrIce40(workerData.args, { 'netlist.json': workerData.netlist }, { stdout: forward, stderr: forward });
  const report = files?.['report.json'];
  const text = typeof report === 'string' ? report : report instanceof Uint8Array ? new TextDecoder().decode(report) : null;
  parentPort.postMessage({ type: 'done', report: text });
} catch (err) {
  parentPort.postMessage({ type: 'error', message: String(err?.message ?? err) });
}
