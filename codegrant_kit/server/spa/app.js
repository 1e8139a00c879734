// The photo browser app: a public client in the browser (draft-ietf-oauth-browser-based-apps).
// Tokens are kept in `tokens`, a variable: in memory only (see index.html for why).
"use strict";

let tokens = null;
const SAVED = "codegrant-kit-spa";  // sessionStorage key, only during the redirect
const here = new URL(".", location.href);  // .../spa/
const root = new URL("..", here);  // the server, whatever path prefix a proxy adds
const redirectUri = here.href;
const apiUrl = new URL("api/photos", root).href;

const log = [];  // the steps before the redirect come back with it, to be shown again

function step(text) {
  log.push(text);
  const item = document.createElement("li");
  item.textContent = text;
  document.getElementById("steps").append(item);
}

function b64url(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function random(n) {
  return b64url(crypto.getRandomValues(new Uint8Array(n)));
}

async function s256(verifier) {
  // RFC 7636 4.2: BASE64URL(SHA256(ASCII(code_verifier)))
  return b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
}

function showStorage() {
  document.getElementById("storage").textContent =
    `localStorage: ${localStorage.length} entries; sessionStorage: ${sessionStorage.length} ` +
    `entries; tokens in memory: ${tokens ? "yes (a JavaScript variable)" : "none"}.`;
}

async function findResource() {
  // RFC 9728 5.1: the API's 401 names its metadata; the metadata names the server
  const first = await fetch(apiUrl);
  const challenge = first.headers.get("WWW-Authenticate") || "";
  const match = /resource_metadata="([^"]+)"/.exec(challenge);
  step(`GET ${apiUrl} without a token: ${first.status}, ${challenge ? "WWW-Authenticate: " + challenge : "no challenge"}`);
  if (!match) throw new Error("The API's 401 names no resource_metadata.");
  const metadata = await (await fetch(match[1])).json();
  step(`its metadata: resource ${metadata.resource}, authorization_servers ${metadata.authorization_servers}`);
  return metadata;
}

async function signIn() {
  const api = await findResource();
  const issuer = api.authorization_servers[0];
  const server = await (await fetch(issuer + "/.well-known/oauth-authorization-server")).json();
  step(`RFC 8414 metadata of ${issuer}: token_endpoint ${server.token_endpoint}`);
  // RFC 7591: a public client registers without a secret
  const registered = await fetch(server.registration_endpoint, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      client_name: "Photo browser app",
      redirect_uris: [redirectUri],
      token_endpoint_auth_method: "none",
      scope: "photos:read",
    }),
  });
  const client = await registered.json();
  step(`registered: client_id ${client.client_id}, client_secret ${client.client_secret ?? "none"}`);
  const verifier = random(32);
  const state = random(16);
  sessionStorage.setItem(SAVED, JSON.stringify({
    client_id: client.client_id, verifier, state, issuer,
    resource: api.resource, token_endpoint: server.token_endpoint, log,
  }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: client.client_id,
    redirect_uri: redirectUri,
    scope: "photos:read",
    state,
    code_challenge: await s256(verifier),
    code_challenge_method: "S256",
    resource: api.resource,
  });
  location.assign(`${server.authorization_endpoint}?${query}`);
}

async function finish(params) {
  const saved = JSON.parse(sessionStorage.getItem(SAVED) || "null");
  sessionStorage.removeItem(SAVED);
  history.replaceState(null, "", redirectUri);  // the code leaves the address bar and history
  if (!saved) throw new Error("No flow was started in this tab.");
  saved.log.forEach(step);
  if (params.get("state") !== saved.state) throw new Error("state does not match: CSRF?");
  // RFC 9207: the response names the server that sent it
  if (params.get("iss") !== saved.issuer) throw new Error(`iss ${params.get("iss")} is not ${saved.issuer}`);
  if (params.get("error")) throw new Error(`${params.get("error")}: ${params.get("error_description")}`);
  step(`back with a code; state and iss checked`);
  const response = await fetch(saved.token_endpoint, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: params.get("code"),
      redirect_uri: redirectUri,
      client_id: saved.client_id,
      code_verifier: saved.verifier,
      resource: saved.resource,
    }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${body.error}: ${body.error_description}`);
  tokens = body;
  step(`POST /token with fetch (CORS, this origin): ${response.status}, token_type ${body.token_type}, access_token ${body.access_token.slice(0, 8)}...`);
  const photos = await fetch(saved.resource, { headers: { Authorization: `Bearer ${tokens.access_token}` } });
  step(`GET ${saved.resource} with the token: ${photos.status}`);
  document.getElementById("photos").textContent = JSON.stringify(await photos.json(), null, 2);
}

function failed(error) {
  step(`stopped: ${error.message}`);
}

// for the tests and the curious: is there a token, and where?
window.codegrantSpa = { hasTokens: () => tokens !== null };

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("sign-in").addEventListener("click", () => signIn().catch(failed));
  const params = new URLSearchParams(location.search);
  const done = params.has("code") || params.has("error")
    ? finish(params).catch(failed)
    : Promise.resolve();
  done.then(showStorage);
});
