// Streamable HTTP's lean path (src/helper/endpoints/httpDirect.ts) against a real engine: a call with nothing before
// its reply is answered as plain JSON; progress or a server request first turns the POST into an SSE stream (the SDK
// client sees progress, sampling and roots as before); the security checks and the SDK's refusals hold on it (token,
// Origin, Host, 4 MiB body, bad JSON, unknown protocol version, duplicate id), batches still go through the SDK.
import { strict as assert } from 'node:assert';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { fixtureServer } from '../../support/fixtures';
import { SeenProcesses, killAll, procsWithEnvMarker, waitFor } from '../../support/procfs';
import { INITIALIZE, connectOverHttp, readToken, startEngineProcess, wardenHome, type EngineHandle } from '../../support/wardenClients';

const MARK = `http-direct-${process.pid}-${Date.now()}`;
const started = new SeenProcesses();
let engine: EngineHandle;
let socketPath: string;
let tcpUrl: URL;
let token: string;

after(async () => {
  engine?.child.kill('SIGTERM');
  await waitFor('the engine to exit', () => engine.child.exitCode !== null, 15_000).catch(() => undefined);
  const left = [...new Set([...procsWithEnvMarker('WARDEN_TEST_MARK', MARK).map((p) => p.pid), ...started.alive()])];
  killAll(left);
  assert.deepEqual(left, [], 'processes outlived the HTTP lean-path tests');
});

interface Answer {
  status: number;
  type: string | undefined;
  sessionId: string | undefined;
  text: string;
}

/** A raw request; the body is read to its end (the lean path ends its SSE stream with the reply). */
function send(method: string, path: string, headers: Record<string, string>, body?: string | Buffer, tcp = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { ...(tcp ? { host: tcpUrl.hostname, port: tcpUrl.port } : { socketPath }), path, method, headers: { host: 'localhost', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
          // An initialize over the SDK transport answers on an SSE stream that stays open.
          if (res.headers['content-type'] === 'text/event-stream' && method === 'POST' && /"protocolVersion"/.test(text) && text.endsWith('\n\n')) res.destroy();
        });
        const done = () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], sessionId: res.headers['mcp-session-id'] as string | undefined, text });
        res.on('end', done);
        res.on('close', done);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function rawSession(server: string): Promise<string> {
  const init = await send('POST', `/mcp/${server}`, JSON_HEADERS, JSON.stringify(INITIALIZE));
  assert.equal(init.status, 200, init.text);
  assert.ok(init.sessionId);
  const ack = await send('POST', `/mcp/${server}`, { ...JSON_HEADERS, 'mcp-session-id': init.sessionId }, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  assert.equal(ack.status, 202);
  return init.sessionId;
}

const call = (id: number | string, name: string, args: Record<string, unknown>, meta?: Record<string, unknown>) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) } });

describe('Streamable HTTP lean path', { timeout: 120_000 }, () => {
  before(async () => {
    const home = wardenHome('http-direct', { echo: fixtureServer('well-behaved', { WARDEN_TEST_MARK: MARK }), s: fixtureServer('sessions', { WARDEN_TEST_MARK: MARK }) });
    engine = await startEngineProcess(home.stateDir, home.env, { http: true });
    started.add(engine.child.pid);
    const { endpoints } = engine.status();
    socketPath = endpoints.unixSocket!;
    tcpUrl = new URL(endpoints.http!);
    token = readToken(endpoints.tokenFile!);
  });

  it('answers a call with nothing before its reply as plain JSON, and one with progress on an SSE stream ending with the reply', async () => {
    const sid = await rawSession('s');
    const h = { ...JSON_HEADERS, 'mcp-session-id': sid };
    const plain = await send('POST', '/mcp/s', h, call(1, 'stats', {}));
    assert.equal(plain.status, 200);
    assert.equal(plain.type, 'application/json');
    assert.equal(plain.sessionId, sid);
    assert.equal((JSON.parse(plain.text) as { id: number }).id, 1);
    const streamed = await send('POST', '/mcp/s', h, call('p', 'slow', { ms: 10, steps: 2 }, { progressToken: 'tok' }));
    assert.equal(streamed.status, 200);
    assert.equal(streamed.type, 'text/event-stream');
    const events = streamed.text.split('\n\n').filter(Boolean).map((e) => JSON.parse(e.replace(/^event: message\ndata: /, '')) as { id?: string; method?: string; params?: { progressToken?: string } });
    assert.deepEqual(events.map((e) => e.method ?? `reply ${e.id}`), ['notifications/progress', 'notifications/progress', 'reply p']);
    assert.equal(events[0]!.params!.progressToken, 'tok', 'the client\'s own progress token');
    assert.equal((await send('DELETE', '/mcp/s', h)).status, 200);
  });

  it('the SDK client over HTTP gets progress, answers sampling and roots, and cancels, through the lean path', async () => {
    const c = await connectOverHttp('http://localhost/mcp/s', { socketPath, sampling: 'from http', roots: ['file:///lean'] });
    const progress: number[] = [];
    const r = await c.client.callTool({ name: 'slow', arguments: { ms: 10, steps: 3, tag: 'h' } }, undefined, { onprogress: (p) => void progress.push(p.progress) });
    assert.deepEqual(r.content, [{ type: 'text', text: 'done h' }]);
    assert.deepEqual(progress.slice(0, 2), [1, 2]);
    assert.deepEqual((await c.client.callTool({ name: 'sample', arguments: { prompt: 'x' } })).content, [{ type: 'text', text: 'sampled: from http' }]);
    assert.deepEqual(JSON.parse(((await c.client.callTool({ name: 'roots', arguments: {} })) as { content: { text: string }[] }).content[0]!.text), ['file:///lean']);
    const ac = new AbortController();
    const slow = c.client.callTool({ name: 'slow', arguments: { ms: 100, steps: 50 } }, undefined, { signal: ac.signal });
    setTimeout(() => ac.abort(), 300);
    await assert.rejects(slow);
    await waitFor('the server to see the cancel', async () => /"cancelled":[1-9]/.test(((await c.client.callTool({ name: 'stats', arguments: {} })) as { content: { text: string }[] }).content[0]!.text), 15_000, 200);
    await c.close();
  });

  it('keeps every check on in-session POSTs: token 401, Origin and Host 403, 4 MiB body 413, bad JSON 400, unknown protocol version 400, a duplicate id refused', async () => {
    const init = await send('POST', '/mcp/echo', { ...JSON_HEADERS, authorization: `Bearer ${token}` }, JSON.stringify(INITIALIZE), true);
    assert.equal(init.status, 200, init.text);
    const sid = init.sessionId!;
    const h = { ...JSON_HEADERS, 'mcp-session-id': sid, authorization: `Bearer ${token}` };
    assert.equal((await send('POST', '/mcp/echo', h, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), true)).status, 202);
    const ok = await send('POST', '/mcp/echo', h, call(1, 'echo', { text: 'tcp' }), true);
    assert.equal(ok.status, 200);
    assert.match(ok.text, /"tcp"/);
    assert.equal((await send('POST', '/mcp/echo', { ...h, authorization: 'Bearer nope' }, call(2, 'echo', { text: 'x' }), true)).status, 401);
    assert.equal((await send('POST', '/mcp/echo', { ...h, origin: 'http://evil.example' }, call(3, 'echo', { text: 'x' }), true)).status, 403);
    assert.equal((await send('POST', '/mcp/echo', { ...h, host: 'evil.example' }, call(4, 'echo', { text: 'x' }), true)).status, 403);
    const big = await send('POST', '/mcp/echo', h, call(5, 'echo', { text: 'x'.repeat(4 * 1024 * 1024) }), true);
    assert.equal(big.status, 413);
    assert.match(big.text, /Payload Too Large/);
    const bad = await send('POST', '/mcp/echo', h, '{"jsonrpc":"2.0",', true);
    assert.equal(bad.status, 400);
    assert.match(bad.text, /-32700/);
    const version = await send('POST', '/mcp/echo', { ...h, 'mcp-protocol-version': '1999-01-01' }, call(6, 'echo', { text: 'x' }), true);
    assert.equal(version.status, 400);
    assert.match(version.text, /Unsupported protocol version/);
    const wrongType = await send('POST', '/mcp/echo', { ...h, 'content-type': 'text/plain' }, call(7, 'echo', { text: 'x' }), true);
    assert.equal(wrongType.status, 415);
    // Two POSTs with one id at once: the second is refused, the first gets its own reply.
    const [first, second] = await Promise.all([send('POST', '/mcp/echo', h, call(8, 'sleep', { ms: 300 }), true), send('POST', '/mcp/echo', h, call(8, 'echo', { text: 'dup' }), true)]);
    assert.equal(first.status, 200);
    assert.doesNotMatch(first.text, /error/);
    assert.match(second.text, /already in flight/);
    // A batch is the SDK transport's: it still answers.
    const batch = await send('POST', '/mcp/echo', h, `[${call(9, 'echo', { text: 'b1' })},${call(10, 'echo', { text: 'b2' })}]`, true);
    assert.equal(batch.status, 200);
    assert.match(batch.text, /b1/);
    assert.match(batch.text, /b2/);
    assert.equal((await send('DELETE', '/mcp/echo', h, undefined, true)).status, 200);
    assert.equal((await send('POST', '/mcp/echo', h, call(11, 'echo', { text: 'x' }), true)).status, 404, 'an ended session');
    await waitFor('the HTTP sessions to end', async () => (await engine.sessions()).sizes.sessions === 0, 10_000);
  });
});
