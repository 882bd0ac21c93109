// A small typed client for passgate: openapi-fetch over types generated from the spec.
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths } from "./schema.js";
export type Problem = components["schemas"]["Problem"];
export type TokenPair = components["schemas"]["TokenPair"];
export type User = components["schemas"]["User"];
export type BulkResetRequest = components["schemas"]["BulkResetRequest"];
export type BulkResetResult = components["schemas"]["BulkResetResult"];

export type PassgateClient = Client<paths>;

export interface ClientOptions {
  /** Where passgate listens, e.g. `https://id.example.com`. */
  baseUrl: string;
  /** An access token or an API key (`pgk_…`), sent as a bearer credential. */
  credential?: string;
  fetch?: typeof globalThis.fetch;
}

/** Creates a client; every path, body and answer is typed from the OpenAPI document. */
export function createPassgateClient(options: ClientOptions): PassgateClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch });
  if (options.credential) {
    const credential = options.credential;
    client.use({
      onRequest({ request }) {
        request.headers.set("authorization", `Bearer ${credential}`);
        return request;
      },
    });
  }
  return client;
}
