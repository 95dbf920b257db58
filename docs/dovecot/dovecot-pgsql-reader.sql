-- What Dovecot's read-only role may read in Sésame's PostgreSQL database: the columns of
-- the two passdb queries (dovecot-pgsql.conf.ext, dovecot-pgsql-app-passwords.conf.ext),
-- nothing else (no NUMEN or birth-date hash, no session, code, factor secret or audit).
-- Once, as a superuser:  CREATE ROLE dovecot_ro LOGIN PASSWORD '…';
-- (and GRANT CONNECT ON DATABASE sesame TO dovecot_ro; if PUBLIC's CONNECT was revoked).
-- Then as Sésame's role (it owns the tables), after Sésame's first start and again after
-- each upgrade (it is idempotent):
--   psql "postgresql://sesame@sesame-db.ac-exemple.fr/sesame" -f dovecot-pgsql-reader.sql
-- One transaction: Dovecot never sees meta without its policy (the option would look off).
BEGIN;
GRANT SELECT (id, identifiant, email, status, password_hash) ON accounts TO dovecot_ro;
GRANT SELECT (id, account_id, public_id, password_hash, scope, revoked_at, expires_at) ON app_passwords TO dovecot_ro;
GRANT SELECT (account_id, type) ON authenticators TO dovecot_ro;
-- meta has other rows (Sésame's own state): Dovecot sees the mail option's row only.
-- Row-level security does not apply to the table's owner, so Sésame sees every row.
GRANT SELECT (key, value) ON meta TO dovecot_ro;
ALTER TABLE meta ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS dovecot_ro_mail_option ON meta;
CREATE POLICY dovecot_ro_mail_option ON meta FOR SELECT TO dovecot_ro USING (key = 'mail.app_passwords_only');
COMMIT;
