/** The admin token the tests' servers are started with (ADMIN_TOKEN), and the header that carries it. */
export const ADMIN = 'admin-token-for-tests-0123456789';
export const adminAuth = { authorization: `Bearer ${ADMIN}` };
