import { api } from '#shared/http/api.ts';
import { openApiDocument } from '#shared/http/openapi.ts';

/** GET /v1/openapi.json: the OpenAPI 3.1 document, generated from the handlers' zod schemas. */
const document = openApiDocument();
export const handler = api('public', async () => ({ status: 200, body: document }));
