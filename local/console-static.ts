/**
 * The admin console's static files (dist/console, built by `npm run build`), served by the local runtime
 * at `/` beside the API, as CloudFront serves them from S3 on AWS. Only GET and HEAD of paths outside
 * `/v1/`; the API's routes are never shadowed.
 */
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, relative, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** The same security headers the CloudFront response headers policy adds (infra/console.ts). */
export const CONSOLE_SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * CloudFront's Content-Security-Policy (infra/console.ts), with the origins import files are uploaded to in
 * place of `https://*.s3.<region>.amazonaws.com` (locally, s3rver): sent here too, so what the policy would block on AWS
 * is blocked under `npm start` and in its browser tests.
 */
export const consoleContentSecurityPolicy = (uploadOrigins: string[]) =>
  `default-src 'self'; connect-src ${["'self'", ...uploadOrigins].join(' ')}; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`;

/** Answers the request from `dir` when it is a console file; false when the request is not one (the caller answers). */
export function serveConsole(req: IncomingMessage, res: ServerResponse, dir: string, rawPath: string, uploadOrigins: string[] = []): boolean {
  const method = (req.method ?? 'GET').toUpperCase();
  if ((method !== 'GET' && method !== 'HEAD') || rawPath.startsWith('/v1/') || rawPath === '/v1') return false;
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return false;
  }
  const root = resolve(dir);
  const asked = resolve(join(root, normalize(path === '/' ? '/index.html' : path)));
  if (!existsSync(asked) || !statSync(asked).isFile()) return false;
  // The real path: a symbolic link inside the build must not serve a file outside it.
  const realRoot = realpathSync(root);
  const file = realpathSync(asked);
  if (!file.startsWith(realRoot + sep)) return false;
  const inRoot = relative(realRoot, file).split(sep).join('/');
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  req.resume();
  res.statusCode = 200;
  res.setHeader('content-type', type);
  res.setHeader('content-length', statSync(file).size);
  // Assets carry a content hash in their name; index.html must be read again to find new ones.
  // Judged on the file served, not the path asked (`/assets/../index.html` is index.html, never immutable).
  res.setHeader('cache-control', inRoot.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
  for (const [k, v] of Object.entries(CONSOLE_SECURITY_HEADERS)) res.setHeader(k, v);
  res.setHeader('content-security-policy', consoleContentSecurityPolicy(uploadOrigins));
  if (method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
  return true;
}
