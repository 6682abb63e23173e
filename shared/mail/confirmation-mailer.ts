import type { ConfirmationMailer } from '../events/ingest.ts';
import { confirmationEmail } from './confirmation-email.ts';
import type { EmailSender } from './email-sender.ts';

/**
 * The double opt-in mail: in the tenant's language, from the business's name at clientela's sender
 * address (the SES identity), to the address that signed up.
 */
export function confirmationMailer(sender: EmailSender, from: string): ConfirmationMailer {
  return {
    async sendConfirmation({ tenant, to, confirmUrl }) {
      const content = confirmationEmail({ businessName: tenant.name, language: tenant.language, confirmUrl });
      await sender.send({ to, from: { name: tenant.name, address: from }, ...content, headers: { 'Auto-Submitted': 'auto-generated' }, tenantId: tenant.id });
    },
  };
}
