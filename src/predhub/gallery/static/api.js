// Talks to the hub's REST API with the user's bearer token; the gallery has no other back end.
const BASE = "/api/v1";
const TOKEN_KEY = "predhub.token";

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || `HTTP ${status}`);
    this.status = status;
    this.code = err.code;
    this.details = err.details || [];
  }
}

export function token() { return localStorage.getItem(TOKEN_KEY); }
export function setToken(value) {
  if (value) localStorage.setItem(TOKEN_KEY, value); else localStorage.removeItem(TOKEN_KEY);
}

export async function api(path, { method = "GET", body, query } = {}) {
  const url = new URL(BASE + path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, v);
  }
  const headers = { Authorization: `Bearer ${token()}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// On the hub's own machine the server hands the local admin token to loopback clients, so nothing
// needs typing; elsewhere the user pastes a token once.
export async function ensureToken() {
  if (token()) {
    try { return await api("/me"); } catch (e) { if (e.status !== 401) throw e; setToken(null); }
  }
  const res = await fetch(BASE + "/session/local");
  if (res.ok) {
    setToken((await res.json()).token);
    return await api("/me");
  }
  return null;
}

// <img> cannot send a bearer token, so images are fetched with it and shown from an object URL.
export async function showImage(img, path) {
  const res = await fetch(BASE + path, { headers: { Authorization: `Bearer ${token()}` } });
  if (!res.ok) { img.alt = `${img.alt} (image unavailable: HTTP ${res.status})`; return; }
  const url = URL.createObjectURL(await res.blob());
  img.addEventListener("load", () => URL.revokeObjectURL(url), { once: true });
  img.src = url;
}

export const imagePath = (sampleId) => `/samples/${sampleId}/image`;
export const thumbnailPath = (sampleId) => `/samples/${sampleId}/thumbnail`;
