// Starts the gateway (embedded silo, synthetic 四川省 demo) on free loopback ports, waits until the demo is
// loaded (/readyz), runs the browser tests with node's test runner against it and stops it again.
//   node run-tests.mjs            (after `dotnet build -c Release`; scripts/test.sh does both)
// Env: GATEWAY_DLL to test another build; BASE_URL to test an already running gateway instead.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const artifacts = join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => res(port)); });
  });
}

async function waitReady(base, gateway, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gateway && gateway.exitCode !== null) throw new Error(`gateway exited with ${gateway.exitCode} (see artifacts/gateway.log)`);
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.status === 200) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`gateway not ready within ${timeoutMs / 1000} s (see artifacts/gateway.log)`);
}

let gateway = null;
function stopGateway() {
  if (!gateway || gateway.exitCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const timer = setTimeout(() => { gateway.kill('SIGKILL'); }, 10000);
    gateway.once('exit', () => { clearTimeout(timer); res(); });
    gateway.kill('SIGTERM');
  });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, async () => { await stopGateway(); process.exit(130); });

let base = process.env.BASE_URL;
if (!base) {
  const dll = process.env.GATEWAY_DLL ?? join(repo, 'src/Gateway/bin/Release/net10.0/OrleansPlans.Gateway.dll');
  if (!existsSync(dll)) {
    console.error(`${dll} not found: build first (dotnet build OrleansPlans.sln -c Release)`);
    process.exit(2);
  }
  const [http, silo, gw] = [await freePort(), await freePort(), await freePort()];
  base = `http://127.0.0.1:${http}`;
  const log = createWriteStream(join(artifacts, 'gateway.log'));
  const started = Date.now();
  gateway = spawn('dotnet', [dll, '--urls', base], {
    cwd: repo,
    env: { ...process.env, Orleans__SiloPort: String(silo), Orleans__GatewayPort: String(gw), ASPNETCORE_ENVIRONMENT: 'Production', DOTNET_NOLOGO: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  gateway.stdout.pipe(log);
  gateway.stderr.pipe(log);
  try {
    await waitReady(base, gateway, 240000);
  } catch (e) {
    console.error(e.message);
    await stopGateway();
    process.exit(1);
  }
  console.log(`gateway ready at ${base} (demo loaded in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

const files = process.argv.slice(2).length ? process.argv.slice(2) : [join(here, 'dashboard.test.mjs')];
const runner = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...files], {
  cwd: here,
  env: { ...process.env, BASE_URL: base, ARTIFACTS: artifacts },
  stdio: 'inherit',
});
const code = await new Promise((res) => runner.on('exit', (c, sig) => res(c ?? (sig ? 1 : 0))));
await stopGateway();
process.exit(code);
