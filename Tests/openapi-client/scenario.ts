// An outside client of DataVault, written from the OpenAPI document alone: the types come from
// openapi-typescript (gen/schema.d.ts, generated from /openapi/v1.json), the calls from openapi-fetch.
// It gets a token where the document's oauth2 scheme says, lists residents, fills a department form
// and reads the change feed, then prints what it saw as one JSON line for GeneratedClientTests.
import createClient from "openapi-fetch";
import type { paths } from "./gen/schema.js";
import { readFileSync } from "node:fs";

const [base, clientId, secret, community, specPath] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specPath, "utf8"));
const oauth2 = spec.components.securitySchemes.oauth2.flows.clientCredentials;

const tokenResponse = await fetch(new URL(oauth2.tokenUrl, base), {
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: secret, scope: Object.keys(oauth2.scopes).join(" ") }),
});
if (!tokenResponse.ok) throw new Error(`token: ${tokenResponse.status} ${await tokenResponse.text()}`);
const { access_token } = (await tokenResponse.json()) as { access_token: string };

const api = createClient<paths>({ baseUrl: base, headers: { Authorization: `Bearer ${access_token}` } });

const listed = await api.GET("/api/v1/residents", {
  params: { query: { community, limit: 10 }, header: { "X-Purpose": "community_service" } },
});
if (listed.error || !listed.data) throw new Error(`list: ${listed.response.status} ${JSON.stringify(listed.error)}`);

// A problem is typed too: the stable code of a request without a known purpose.
const refused = await api.GET("/api/v1/residents", {
  params: { query: { community }, header: { "X-Purpose": "no_such_purpose" as "community_service" } },
});

const filled = await api.POST("/api/v1/forms/{code}/fills", {
  params: { path: { code: "youth_league_members" }, query: { within: community, format: "csv" } },
  parseAs: "text",
});
if (filled.error) throw new Error(`fill: ${filled.response.status} ${JSON.stringify(filled.error)}`);

const feed = await api.GET("/api/v1/feed", {
  params: { query: { from: "start", limit: 50 }, header: { "X-Purpose": "community_service" } },
});
if (feed.error || !feed.data) throw new Error(`feed: ${feed.response.status} ${JSON.stringify(feed.error)}`);

console.log(JSON.stringify({
  residents: listed.data.items.map((r) => r.id),
  refusedCode: refused.error?.code ?? null,
  form: { contentType: filled.response.headers.get("content-type"), rows: filled.response.headers.get("x-form-rows"), firstLine: (filled.data ?? "").split("\r\n")[0] },
  feed: { changes: feed.data.changes.map((c) => ({ kind: c.kind, residentId: c.residentId, changed: c.changed })), caughtUp: feed.data.caughtUp },
}));
