/** CPF: 11 digits, not all equal, two mod-11 check digits. */
export function isValidCpf(value: string | undefined): boolean {
  const digits = (value ?? '').replace(/\D/g, '');
  if (digits.length !== 11 || /^(\d)\1{10}$/.test(digits)) return false;
  const nums = digits.split('').map(Number);
  for (const length of [9, 10]) {
    const sum = nums.slice(0, length).reduce((acc, digit, i) => acc + digit * (length + 1 - i), 0);
    const rest = sum % 11;
    if (nums[length] !== (rest < 2 ? 0 : 11 - rest)) return false;
  }
  return true;
}
