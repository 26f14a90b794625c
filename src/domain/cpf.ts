/** The two mod-11 check digits of a CPF's first nine digits (weights 10..2, then 11..2). */
function checkDigits(first9: number[]): [number, number] {
  const digits = [...first9];
  for (const length of [9, 10]) {
    const sum = digits.slice(0, length).reduce((acc, digit, i) => acc + digit * (length + 1 - i), 0);
    const rest = sum % 11;
    digits.push(rest < 2 ? 0 : 11 - rest);
  }
  return [digits[9], digits[10]];
}

/** CPF: 11 digits, not all equal, two mod-11 check digits. */
export function isValidCpf(value: string | undefined): boolean {
  const digits = (value ?? '').replace(/\D/g, '');
  if (digits.length !== 11 || /^(\d)\1{10}$/.test(digits)) return false;
  const nums = digits.split('').map(Number);
  const [d1, d2] = checkDigits(nums.slice(0, 9));
  return nums[9] === d1 && nums[10] === d2;
}

/**
 * The digits of a CPF field. 9-10 digits: a CPF sent as a JSON number lost its leading zeros,
 * which come back; anything else is returned as is (and fails validation where it matters).
 */
export function cpfDigits(value: unknown): string {
  const digits = (typeof value === 'string' || typeof value === 'number' ? String(value) : '').replace(/\D/g, '');
  return digits.length >= 9 && digits.length < 11 ? digits.padStart(11, '0') : digits;
}

/** A valid CPF from nine digits (fake people for tests, the demo and the simulator). */
export function cpfFrom(first9: string): string {
  const nums = first9.padStart(9, '0').slice(-9).split('').map(Number);
  return [...nums, ...checkDigits(nums)].join('');
}
