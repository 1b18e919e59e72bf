// Builds: history per repository, start from an uploaded context or a git trigger, live log, cancel.
// EventSource cannot send an Authorization header, so the log's Server-Sent Events are read
// with fetch() and a ReadableStream.
import { ApiError, get, request, nextLink } from './api.js';
import { h, status, busy, table, field, when, commaList } from './dom.js';
import { triggersSection } from './triggers.js';

export async function buildsPage(q, { show, link }) {
  const repository = q.get('repository') || '';
  const content = [];
  const pick = h('form', { class: 'inline' }, field('Repository', { name: 'repository', id: 'builds-repository', value: repository, required: true }),
    h('button', { type: 'submit' }, 'Show builds'));
  pick.addEventListener('submit', e => { e.preventDefault(); location.hash = '#/builds?' + new URLSearchParams({ repository: pick.repository.value.trim() }); });
  content.push(pick);
  if (repository) {
    const params = new URLSearchParams({ repository, n: '20' });
    if (q.get('last')) params.set('last', q.get('last'));
    const response = await get('/api/v1/builds?' + params, { raw: true });
    const builds = await response.json();
    content.push(table(['Build', 'Status', 'Tags', 'By', 'Submitted', 'Finished'], builds.map(b => h('tr', {},
      h('td', {}, link('build', { id: b.id }, '#' + b.id)), h('td', {}, h('span', { class: 'badge' }, b.status)),
      h('td', {}, (b.tags || []).join(', ')), h('td', {}, b.submittedBy || ''), h('td', {}, when(b.createdAt)), h('td', {}, when(b.finishedAt))))
    , { id: 'builds' }));
    const next = nextLink(response);
    if (next) content.push(h('p', {}, link('builds', { repository, last: new URL(next, location.origin).searchParams.get('last') }, 'Older builds')));
  }
  content.push(h('h2', {}, 'Start a build from a context archive'), startForm(repository));
  if (repository) content.push(await triggersSection(repository, () => buildsPage(q, { show, link })));
  show('Builds', ...content);
}

function startForm(repository) {
  const file = h('input', { type: 'file', id: 'build-context', name: 'context', accept: '.tar,.tar.gz,.tgz', required: true });
  const tags = h('input', { id: 'build-tags', name: 'tags', required: true, value: repository ? repository + ':latest' : '', placeholder: 'alice/app:1, alice/app:latest' });
  const dockerfile = h('input', { id: 'build-dockerfile', name: 'dockerfile', value: 'Dockerfile' });
  const platforms = h('input', { id: 'build-platforms', name: 'platforms', placeholder: 'linux/amd64' });
  const button = h('button', { type: 'submit', id: 'build-submit' }, 'Upload and build');
  const form = h('form', { class: 'inline' }, h('label', {}, 'Context archive (tar or tar.gz)', file),
    h('label', {}, 'Tags (comma separated)', tags), h('label', {}, 'Dockerfile', dockerfile),
    h('label', {}, 'Platforms (optional)', platforms), button);
  form.addEventListener('submit', e => {
    e.preventDefault();
    busy(button, async () => {
      status('Uploading the context…');
      const archive = file.files[0];
      const gz = /\.(tgz|gz)$/.test(archive.name);
      const uploaded = await request('POST', '/api/v1/builds/contexts',
        { body: archive, headers: { 'Content-Type': gz ? 'application/gzip' : 'application/x-tar' } });
      const submission = { context: uploaded.context, tags: commaList(tags.value), dockerfile: dockerfile.value || 'Dockerfile' };
      if (platforms.value.trim()) submission.platforms = commaList(platforms.value);
      const build = await request('POST', '/api/v1/builds', { body: submission });
      location.hash = '#/build?' + new URLSearchParams({ id: build.id });
    });
  });
  return form;
}


let following = null; // the AbortController of the log being followed

export async function buildPage(q, { show, link }) {
  if (following) following.abort();
  const id = q.get('id');
  const build = await get('/api/v1/builds/' + encodeURIComponent(id));
  const state = h('span', { class: 'badge', id: 'build-status' }, build.status);
  const step = h('span', { class: 'muted', id: 'build-step' }, build.step || '');
  const log = h('pre', { id: 'build-log', 'aria-live': 'polite', tabindex: '0', 'aria-label': 'Build log' });
  const cancel = h('button', { type: 'button', class: 'danger', id: 'build-cancel', hidden: !['queued', 'running'].includes(build.status) }, 'Cancel build');
  cancel.addEventListener('click', () => busy(cancel, async () => {
    const now = await request('POST', `/api/v1/builds/${id}/cancel`);
    state.textContent = now.status;
  }));
  show(`Build #${id}`, h('dl', { class: 'kv' },
    h('dt', {}, 'Status'), h('dd', {}, state, ' ', step),
    h('dt', {}, 'Repository'), h('dd', {}, link('builds', { repository: build.repository }, build.repository)),
    h('dt', {}, 'Tags'), h('dd', {}, (build.tags || []).join(', ')),
    h('dt', {}, 'Submitted'), h('dd', {}, when(build.createdAt), build.submittedBy ? ' by ' + build.submittedBy : ''),
    h('dt', {}, 'Digest'), h('dd', { class: 'mono' }, build.digest || ''),
    h('dt', {}, 'Error'), h('dd', {}, build.error || '')),
  cancel, h('h2', {}, 'Log'), log);
  following = new AbortController();
  followLog(id, log, following.signal, view => {
    state.textContent = view.status;
    cancel.hidden = true;
  }).catch(e => { if (e.name !== 'AbortError') status(e.message, true); });
}

// Follows the log to the build's end. A stream can end before that (the registry restarted, or a
// proxy closed it) or fail to open while replicas restart: it is opened again after the last line
// shown, after a pause that grows while no line comes, so no line is lost or shown twice and a
// stream that keeps ending at once is not reopened in a tight loop. Other errors (the session
// expired, the build is gone, an answer that is no event stream) end the following. Leaving the
// page (the signal) closes the stream.
async function followLog(id, log, signal, ended) {
  let last = 0;
  let pause = 1000;
  while (!signal.aborted) {
    let response;
    try {
      response = await request('GET', `/api/v1/builds/${id}/logs?after=${last}`,
        { headers: { Accept: 'text/event-stream' }, raw: true, signal });
    } catch (e) {
      if (signal.aborted || (e instanceof ApiError && ![502, 503, 504].includes(e.status))) throw e;
      response = null;
    }
    if (response && !(response.headers.get('Content-Type') || '').startsWith('text/event-stream')) {
      throw new Error('the build log did not come as an event stream');
    }
    const reader = response && response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      let buffer = '';
      while (reader) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (event.type === 'log') {
            log.append(event.data + '\n');
            if (event.id) last = event.id;
            pause = 1000;
          } else if (event.type === 'end') { ended(JSON.parse(event.data)); return; }
        }
      }
    } catch (e) {
      if (signal.aborted) throw e;
      // the connection broke: open it again after the pause
    } finally {
      if (reader) reader.cancel().catch(() => {});
    }
    await sleep(pause, signal);
    pause = Math.min(pause * 2, 15000);
  }
}

function sleep(ms, signal) {
  return new Promise(resolve => {
    const done = () => { clearTimeout(timer); signal.removeEventListener('abort', done); resolve(); };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function parse(block) {
  const event = { type: 'message', data: [], id: null };
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event.type = line.slice(6).trim();
    else if (line.startsWith('id:')) event.id = line.slice(3).trim();
    else if (line.startsWith('data:')) event.data.push(line.slice(5).replace(/^ /, ''));
  }
  event.data = event.data.join('\n');
  return event;
}


