/**
 * What a web page on another origin can make a browser send: simple requests (no preflight) with a
 * `text/plain`, form or empty body, and preflighted ones. None of them may change state, and no
 * answer may be readable by that page unless the operator named its origin.
 */

import { describe, expect, it } from 'vitest';
import { setup } from './testing/harness.js';

const EVIL = 'https://evil.example';
const shellJob = JSON.stringify({
  name: 'pwn',
  schedule: '@manually',
  executor: 'shell',
  executor_config: { command: 'id' },
});

describe('a simple cross-origin request', () => {
  it('cannot create and run a job with a text/plain body (415, nothing stored, nothing run)', async () => {
    const { agent, app } = await setup();
    const res = await app.request('/v1/jobs?runoncreate=true', {
      method: 'POST',
      body: shellJob,
      headers: { 'Content-Type': 'text/plain;charset=UTF-8', Origin: EVIL, 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(res.status).toBe(403);
    expect((await agent.jobNames()).length).toBe(0);
    expect(agent.runs).toEqual([]);
  });

  it('is refused with 415 for a non-JSON body even without Origin (no browser needed to be safe)', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const { agent, app } = await setup();
      const res = await app.request('/v1/jobs', {
        method: 'POST',
        body: shellJob,
        headers: { 'Content-Type': type },
      });
      expect(res.status, type).toBe(415);
      const hint = type.includes('urlencoded')
        ? " (curl -d sends that: add -H 'Content-Type: application/json')"
        : '';
      expect(await res.json()).toEqual({
        message: `Content-Type must be application/json, got ${type.split(';')[0]}${hint}`,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      });
      expect((await agent.jobNames()).length).toBe(0);
    }
  });

  it('is refused with 415 without any Content-Type (a Blob body sends none)', async () => {
    const { agent, app } = await setup();
    const res = await app.request('/v1/jobs', { method: 'PUT', body: new TextEncoder().encode(shellJob) });
    expect(res.status).toBe(404); // PUT /v1/jobs is not a route
    const put = await app.request('/v1/jobs/pwn', {
      method: 'PUT',
      body: new TextEncoder().encode(shellJob),
    });
    expect(put.status).toBe(415);
    expect(((await put.json()) as { message: string }).message).toBe(
      'Content-Type must be application/json, got none',
    );
    expect((await agent.jobNames()).length).toBe(0);
  });

  it('accepts application/json with parameters and +json types', async () => {
    const { agent, app } = await setup();
    for (const [i, type] of [
      'application/json; charset=utf-8',
      'Application/JSON',
      'application/vnd.x+json',
    ].entries()) {
      const body = JSON.stringify({
        name: `ok-${i}`,
        schedule: '@daily',
        executor: 'shell',
        executor_config: { command: 'true' },
      });
      const res = await app.request('/v1/jobs', { method: 'POST', body, headers: { 'Content-Type': type } });
      expect(res.status, type).toBe(201);
    }
    expect((await agent.jobNames()).length).toBe(3);
  });

  it('cannot make the agent leave, pause, run, toggle or restore (403 for another origin)', async () => {
    const { agent, app } = await setup();
    await agent.seedJob({ name: 'a' });
    const form = new FormData();
    form.append('file', new Blob([`[${shellJob}]`]), 'jobs.json');
    for (const [path, body] of [
      ['/v1/leave', undefined],
      ['/v1/pause', undefined],
      ['/v1/jobs/a', undefined],
      ['/v1/jobs/a/run', ''],
      ['/v1/jobs/a/toggle', 'x'],
      ['/v1/restore', form],
    ] as const) {
      const res = await app.request(path, { method: 'POST', body: body ?? null, headers: { Origin: EVIL } });
      expect(res.status, path).toBe(403);
      expect(await res.json(), path).toEqual({
        message: `cross-origin request from ${EVIL} refused: state-changing requests must come from the same origin or one listed in --cors-allowed-origins`,
        code: 'FORBIDDEN',
      });
    }
    expect(agent.left).toBe(false);
    expect(agent.runs).toEqual([]);
    expect((await agent.job('a'))?.disabled).toBe(false);
    expect(await agent.job('pwn')).toBeUndefined();
    expect((await app.request('/v1/pause')).status).toBe(200);
    expect(await (await app.request('/v1/pause')).json()).toEqual({ paused: false });
  });

  it('is refused on Sec-Fetch-Site: cross-site or same-site even when Origin is missing', async () => {
    const { agent, app } = await setup();
    await agent.seedJob({ name: 'a' });
    for (const site of ['cross-site', 'same-site']) {
      const res = await app.request('/v1/jobs/a/toggle', {
        method: 'POST',
        headers: { 'Sec-Fetch-Site': site },
      });
      expect(res.status, site).toBe(403);
    }
    expect((await agent.job('a'))?.disabled).toBe(false);
  });

  it('from the same origin, or from a client that is not a browser, goes through', async () => {
    const { agent, app } = await setup();
    await agent.seedJob({ name: 'a' });
    const same = await app.request('http://dkron.local:8080/v1/jobs/a/toggle', {
      method: 'POST',
      headers: { Origin: 'http://dkron.local:8080', Host: 'dkron.local:8080' },
    });
    expect(same.status).toBe(200);
    const fetchMeta = await app.request('/v1/jobs/a/toggle', {
      method: 'POST',
      headers: { 'Sec-Fetch-Site': 'same-origin', Origin: 'http://elsewhere' },
    });
    expect(fetchMeta.status).toBe(200);
    const curl = await app.request('/v1/jobs/a/toggle', { method: 'POST' });
    expect(curl.status).toBe(200);
    const typed = await app.request('/v1/jobs/a/toggle', {
      method: 'POST',
      headers: { 'Sec-Fetch-Site': 'none' },
    });
    expect(typed.status).toBe(200);
  });

  it('can read nothing: no CORS header on any answer, preflights are not answered', async () => {
    const { agent, app } = await setup();
    await agent.seedJob({ name: 'a' });
    for (const path of ['/v1/jobs', '/v1/jobs/a', '/health', '/v1/jobs/ghost']) {
      const res = await app.request(path, { headers: { Origin: EVIL } });
      expect(res.headers.get('Access-Control-Allow-Origin'), path).toBeNull();
    }
    const preflight = await app.request('/v1/jobs', {
      method: 'OPTIONS',
      headers: {
        Origin: EVIL,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    expect(preflight.headers.get('Access-Control-Allow-Origin')).toBeNull();
    expect(preflight.headers.get('Access-Control-Allow-Methods')).toBeNull();
  });
});

describe('--cors-allowed-origins', () => {
  const UI = 'https://ui.example';

  it('answers preflights and exposes headers for the listed origins only', async () => {
    const { app } = await setup({ corsAllowedOrigins: [UI] });
    const preflight = await app.request('/v1/jobs/a', {
      method: 'OPTIONS',
      headers: {
        Origin: UI,
        'Access-Control-Request-Method': 'DELETE',
        'Access-Control-Request-Headers': 'Authorization, Content-Type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('Access-Control-Allow-Origin')).toBe(UI);
    expect(preflight.headers.get('Vary')).toContain('Origin');
    expect(preflight.headers.get('Access-Control-Allow-Methods')).toContain('DELETE');
    expect(preflight.headers.get('Access-Control-Allow-Headers')?.toLowerCase()).toContain('authorization');
    const read = await app.request('/v1/jobs', { headers: { Origin: UI } });
    expect(read.headers.get('Access-Control-Allow-Origin')).toBe(UI);
    expect(read.headers.get('Access-Control-Expose-Headers')?.split(',')).toEqual(
      expect.arrayContaining(['X-Total-Count', 'Location', 'X-Whom']),
    );
    const other = await app.request('/v1/jobs', { headers: { Origin: EVIL } });
    expect(other.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('lets a listed origin change state, still only with JSON bodies', async () => {
    const { agent, app } = await setup({ corsAllowedOrigins: [UI] });
    await agent.seedJob({ name: 'a' });
    expect((await app.request('/v1/jobs/a/toggle', { method: 'POST', headers: { Origin: UI } })).status).toBe(
      200,
    );
    const plain = await app.request('/v1/jobs', {
      method: 'POST',
      body: shellJob,
      headers: { Origin: UI, 'Content-Type': 'text/plain' },
    });
    expect(plain.status).toBe(415);
    expect(
      (await app.request('/v1/jobs/a/toggle', { method: 'POST', headers: { Origin: EVIL } })).status,
    ).toBe(403);
  });

  it('with "*" allows every origin (the operator asked for it)', async () => {
    const { agent, app } = await setup({ corsAllowedOrigins: ['*'] });
    await agent.seedJob({ name: 'a' });
    const res = await app.request('/v1/jobs/a/toggle', { method: 'POST', headers: { Origin: EVIL } });
    expect(res.status).toBe(200);
    expect(res.headers.get('Access-Control-Allow-Origin')).toBe('*');
  });
});
