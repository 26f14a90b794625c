// One address and nothing else: no list ("a@x, b@y" would send the password to both), no
// display name, no comments. Bounded parts (RFC 5321: 64 and 255), so linear time.
const ADDRESS = /^[^\s@<>()[\]\\,;:"]{1,64}@[^\s@<>()[\]\\,;:"]{1,255}$/u;

/** Whether `value` is one bare e-mail address whose domain has a dot (the mail client's rule, and support's for a corrected address). */
export function isEmailAddress(value: string): boolean {
  if (!ADDRESS.test(value)) return false;
  const domain = value.slice(value.indexOf('@') + 1);
  return domain.includes('.') && !domain.startsWith('.') && !domain.endsWith('.') && !domain.includes('..');
}
