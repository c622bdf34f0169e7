/** Seeded by the server under test (SEED_USERS); tests that need a clean slate register their own. */
export const alice = { email: 'alice@example.com', password: 'alice-e2e-password' } as const;
export const bob = { email: 'bob@example.com', password: 'bob-e2e-password' } as const;

export const admin = { email: 'admin@example.com', password: 'admin-e2e-password' } as const;

export const SEED_USERS = [...[alice, bob].map((u) => `${u.email}:${u.password}:user`), `${admin.email}:${admin.password}:admin`].join(',');
