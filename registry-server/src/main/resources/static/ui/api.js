// The registry's HTTP APIs as the browser calls them. The session is a personal access token
// created at login and kept in sessionStorage; every request carries it in an Authorization
// header (HTTP Basic, which /v2/ and /api/v1 both accept), never in a cookie, so another site
// cannot make the browser send it (no CSRF), and the password is never stored.
const KEY = 'stevedore.session';
const SESSION_HOURS = 12;

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
  get missing() { return this.status === 404 || this.status === 405; }
}

export function session() {
  try { return JSON.parse(sessionStorage.getItem(KEY)); } catch { return null; }
}

function basic(username, secret) {
  const bytes = new TextEncoder().encode(`${username}:${secret}`);
  return 'Basic ' + btoa(String.fromCharCode(...bytes));
}

export async function request(method, path, { body, headers = {}, raw = false, auth, signal } = {}) {
  const s = session();
  const h = { ...headers };
  if (auth) h.Authorization = auth; else if (s) h.Authorization = basic(s.username, s.secret);
  let payload = body;
  if (body !== undefined && !(body instanceof Blob) && typeof body !== 'string') {
    payload = JSON.stringify(body);
    h['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, { method, headers: h, body: payload, cache: 'no-store', signal });
  if (!response.ok) throw new ApiError(response.status, await errorText(response));
  if (raw) return response;
  if (response.status === 204 || method === 'HEAD') return null;
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') ? response.json() : response.text();
}

async function errorText(response) {
  try {
    const body = await response.json();
    if (body.errors && body.errors.length) return body.errors.map(e => e.message || e.code).join('; ');
    if (body.message) return body.message;
  } catch { /* not JSON */ }
  return `${response.status} ${response.statusText}`;
}

export const get = (path, options) => request('GET', path, options);

/** The URL of the rel="next" page from a Link header, or null. */
export function nextLink(response) {
  const link = response.headers.get('Link');
  const m = link && link.match(/<([^>]+)>;\s*rel="next"/);
  return m ? m[1] : null;
}

export async function login(username, password) {
  const expiresAt = new Date(Date.now() + SESSION_HOURS * 3600e3).toISOString();
  const token = await request('POST', '/api/v1/tokens', {
    auth: basic(username, password),
    body: { name: `web-ui ${new Date().toISOString()}`, expiresAt },
  });
  const s = { username, tokenId: token.id, secret: token.token, admin: false };
  sessionStorage.setItem(KEY, JSON.stringify(s));
  try {
    const user = await get('/api/v1/users/' + encodeURIComponent(username));
    s.admin = !!user.admin;
    sessionStorage.setItem(KEY, JSON.stringify(s));
  } catch { /* not fatal */ }
  return s;
}

export async function logout() {
  const s = session();
  try { if (s) await request('DELETE', '/api/v1/tokens/' + s.tokenId); } catch { /* expired already */ }
  sessionStorage.removeItem(KEY);
}

export const repoPath = name => name.split('/').map(encodeURIComponent).join('/');
