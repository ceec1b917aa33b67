import { spawn } from 'node:child_process';
import { shellExecutor } from './dist/index.js';
const N = Number(process.env.N ?? 400);
let exec;
await shellExecutor().setup({ apiVersion: 1, nodeName: 'n', logger: console, executor(d) { exec = d; }, processor() {}, on() {} });
const job = { name: 'bench' };
const config = exec.config.parse({ command: 'true' }, 'executor_config');
const ctx = () => ({ signal: new AbortController().signal, output: { write() {}, bytesWritten: 0 }, logger: console, job, execution: {} });
function bare() { return new Promise((res, rej) => { const c = spawn('true'); c.on('error', rej); c.on('close', res); }); }
async function viaExecutor() { const r = await exec.execute({ job, config, rawConfig: {} }, ctx()); if (!r.success) throw new Error(r.error); }
async function time(fn) { const t = process.hrtime.bigint(); for (let i = 0; i < N; i++) await fn(); return Number(process.hrtime.bigint() - t) / 1e6 / N; }
for (let i = 0; i < 30; i++) { await bare(); await viaExecutor(); }
const ta = [], tb = [];
for (let i = 0; i < N; i++) {
  let t = process.hrtime.bigint(); await bare(); ta.push(Number(process.hrtime.bigint() - t) / 1e6);
  t = process.hrtime.bigint(); await viaExecutor(); tb.push(Number(process.hrtime.bigint() - t) / 1e6);
}
const med = (x) => x.sort((a, b) => a - b)[x.length >> 1];
const mean = (x) => x.reduce((a, b) => a + b, 0) / x.length;
console.log(`bare median ${med(ta).toFixed(3)} mean ${mean(ta).toFixed(3)} | executor median ${med(tb).toFixed(3)} mean ${mean(tb).toFixed(3)} | ratio median ${(med(tb)/med(ta)).toFixed(2)} mean ${(mean(tb)/mean(ta)).toFixed(2)}`);
