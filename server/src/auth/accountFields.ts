import { DisplayName, Email } from '@dropline/contract';
import { validate } from '../http/route.js';

export { canonicalEmail, defaultDisplayName } from '@dropline/contract';

/** A valid email in its canonical form, or the contract's 400 `invalid_email` (for emails that do not come through a route: seeded users). */
export const parseEmail = (email: unknown): string => validate(Email, email, 'body');

/** A display name as given by a person, trimmed, or the contract's 400 `invalid_display_name`. */
export const parseDisplayName = (value: unknown): string => validate(DisplayName, value, 'body');
