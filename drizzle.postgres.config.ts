import { defineConfig } from 'drizzle-kit';

/** PostgreSQL migrations, generated from `db/schema-postgres.ts` (`npm run db:generate`). */
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema-postgres.ts',
  out: './db/migrations-postgres',
});
