-- 0007: access control and the audit trail (gateway; docs/security.md).
--
-- api_keys: API keys for county systems. Only the SHA-256 hash of a key is stored (hex); the key itself is
-- shown once when issued. id is the lookup part of the key (opk_<id>_<secret>). A key is never deleted, only
-- revoked (revoked_at/revoked_by set once); nothing else about it can change.
--
-- role_assignments: roles granted by an administrator to IdP subjects whose tokens carry no role claims.
--
-- audit_log: every write through the gateway (data values, keys, role assignments, and later approvals and
-- plans): who (principal), when (at), what (action), where (org_unit), on what (target), the state before and
-- after (JSON). A data-value push carries batch_id; its per-value before/after is in data_value_ledger under the
-- same batch id. Rows can only be inserted: UPDATE and DELETE raise.
--
-- Idempotent; no transaction control (the migrate command wraps each script in a transaction).

CREATE TABLE IF NOT EXISTS api_keys
(
    id          text        NOT NULL,
    name        text        NOT NULL,
    role        text        NOT NULL,
    org_unit    char(6)     NOT NULL,
    department  text        NULL,
    key_hash    char(64)    NOT NULL,
    created_at  timestamptz NOT NULL,
    created_by  text        NOT NULL,
    revoked_at  timestamptz NULL,
    revoked_by  text        NULL,
    CONSTRAINT api_keys_pkey PRIMARY KEY (id)
);

CREATE OR REPLACE FUNCTION api_keys_revoke_only()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'api_keys rows are revoked, never deleted' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.revoked_at IS NOT NULL
       OR NEW.id <> OLD.id OR NEW.name <> OLD.name OR NEW.role <> OLD.role OR NEW.org_unit <> OLD.org_unit
       OR NEW.department IS DISTINCT FROM OLD.department OR NEW.key_hash <> OLD.key_hash
       OR NEW.created_at <> OLD.created_at OR NEW.created_by <> OLD.created_by
       OR NEW.revoked_at IS NULL OR NEW.revoked_by IS NULL THEN
        RAISE EXCEPTION 'api_keys: only revoking an unrevoked key is allowed' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$fn$;

CREATE OR REPLACE TRIGGER api_keys_revoke_only_trg
    BEFORE UPDATE OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION api_keys_revoke_only();

CREATE TABLE IF NOT EXISTS role_assignments
(
    subject     text        NOT NULL,
    role        text        NOT NULL,
    org_unit    char(6)     NOT NULL,
    department  text        NULL,
    assigned_at timestamptz NOT NULL,
    assigned_by text        NOT NULL,
    CONSTRAINT role_assignments_pkey PRIMARY KEY (subject)
);

CREATE TABLE IF NOT EXISTS audit_log
(
    id         bigserial   NOT NULL,
    at         timestamptz NOT NULL DEFAULT now(),
    principal  text        NOT NULL,
    action     text        NOT NULL,
    org_unit   char(6)     NULL,
    target     text        NULL,
    before     jsonb       NULL,
    after      jsonb       NULL,
    batch_id   uuid        NULL,
    CONSTRAINT audit_log_pkey PRIMARY KEY (id)
);

CREATE INDEX IF NOT EXISTS audit_log_org_unit_ix ON audit_log (org_unit, id);
CREATE INDEX IF NOT EXISTS audit_log_principal_ix ON audit_log (principal, id);
CREATE INDEX IF NOT EXISTS audit_log_at_ix ON audit_log (at);

CREATE OR REPLACE FUNCTION audit_log_append_only()
RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$fn$;

CREATE OR REPLACE TRIGGER audit_log_append_only_trg
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
