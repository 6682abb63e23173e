import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads the local outbox (`.eml` files, shared/mail/outbox-email-sender.ts) as a person reads their inbox:
 * the mails addressed to `to`, each as decoded text (quoted-printable and base64 parts decoded).
 */
export function mailsTo(dir: string, to: string): string[] {
  if (!existsSync(dir)) return [];
  const addressed = new RegExp(`^To: (.*<)?${to.replace(/[.+]/g, '\\$&')}>?\\s*$`, 'mi');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .filter((eml) => addressed.test(eml))
    .map(decodeMime);
}

function decodeMime(eml: string): string {
  return eml
    .split(/\r?\n--[^\r\n]+\r?\n?/)
    .map((part) => {
      const [head = '', ...rest] = part.split(/\r?\n\r?\n/);
      const body = rest.join('\n\n');
      if (/content-transfer-encoding:\s*base64/i.test(head)) return `${head}\n\n${Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')}`;
      if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
        const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
        return `${head}\n\n${Buffer.from(bytes, 'latin1').toString('utf8')}`;
      }
      return part;
    })
    .join('\n');
}

/** The double opt-in link in a mail. */
export const confirmLinkIn = (text: string) => /https?:\/\/[^\s"<>]+\/v1\/consent\/confirm\?token=[A-Za-z0-9_.-]+/.exec(text)?.[0];
