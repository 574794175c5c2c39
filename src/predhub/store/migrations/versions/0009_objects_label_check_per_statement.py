"""objects: on PostgreSQL, check that objects hang off a label once per statement, not once per row

The foreign key objects (label_set_id, sample_id) -> labels ran one lookup per inserted object: of a
million-object COPY (7.7 s), 4.3 s. Here the same rule is kept by statement-level triggers with
transition tables, set-wise:

- after INSERT or UPDATE on objects: lock the labels the new rows hang off (FOR KEY SHARE, as the
  foreign key's check does, so that none can be deleted before this transaction ends), then fail with
  foreign_key_violation (23503) if any row has none;
- after DELETE on labels: delete their objects (the foreign key's ON DELETE CASCADE);
- before a label's (label_set_id, sample_id) changes while it has objects: fail (NO ACTION).

SQLite keeps the foreign key: it has no transition tables, and its per-row check is cheap.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_UPGRADE = [
    "ALTER TABLE objects DROP CONSTRAINT fk_objects_label",
    """
    CREATE FUNCTION predhub_objects_have_labels() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        missing record;
    BEGIN
        PERFORM 1 FROM labels l
            JOIN (SELECT DISTINCT label_set_id, sample_id FROM new_objects) n
              ON l.label_set_id = n.label_set_id AND l.sample_id = n.sample_id
            FOR KEY SHARE OF l;
        SELECT n.label_set_id, n.sample_id INTO missing FROM new_objects n
            WHERE NOT EXISTS (
                SELECT 1 FROM labels l WHERE l.label_set_id = n.label_set_id AND l.sample_id = n.sample_id
            )
            LIMIT 1;
        IF FOUND THEN
            RAISE foreign_key_violation USING MESSAGE = format(
                'objects violate fk_objects_label: no label (label_set_id, sample_id) = (%s, %s)',
                missing.label_set_id, missing.sample_id);
        END IF;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER objects_have_labels_on_insert AFTER INSERT ON objects REFERENCING NEW TABLE AS "
    "new_objects FOR EACH STATEMENT EXECUTE FUNCTION predhub_objects_have_labels()",
    "CREATE TRIGGER objects_have_labels_on_update AFTER UPDATE ON objects REFERENCING NEW TABLE AS "
    "new_objects FOR EACH STATEMENT EXECUTE FUNCTION predhub_objects_have_labels()",
    """
    CREATE FUNCTION predhub_labels_delete_objects() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM objects o USING old_labels d
            WHERE o.label_set_id = d.label_set_id AND o.sample_id = d.sample_id;
        RETURN NULL;
    END $$
    """,
    "CREATE TRIGGER labels_delete_objects AFTER DELETE ON labels REFERENCING OLD TABLE AS old_labels "
    "FOR EACH STATEMENT EXECUTE FUNCTION predhub_labels_delete_objects()",
    """
    CREATE FUNCTION predhub_labels_keep_keys() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF (NEW.label_set_id, NEW.sample_id) IS DISTINCT FROM (OLD.label_set_id, OLD.sample_id)
           AND EXISTS (
               SELECT 1 FROM objects o WHERE o.label_set_id = OLD.label_set_id AND o.sample_id = OLD.sample_id
           ) THEN
            RAISE foreign_key_violation USING MESSAGE = format(
                'label (%s, %s) still has objects (fk_objects_label)', OLD.label_set_id, OLD.sample_id);
        END IF;
        RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER labels_keep_keys BEFORE UPDATE OF label_set_id, sample_id ON labels "
    "FOR EACH ROW EXECUTE FUNCTION predhub_labels_keep_keys()",
]

_DOWNGRADE = [
    "DROP TRIGGER labels_keep_keys ON labels",
    "DROP FUNCTION predhub_labels_keep_keys()",
    "DROP TRIGGER labels_delete_objects ON labels",
    "DROP FUNCTION predhub_labels_delete_objects()",
    "DROP TRIGGER objects_have_labels_on_update ON objects",
    "DROP TRIGGER objects_have_labels_on_insert ON objects",
    "DROP FUNCTION predhub_objects_have_labels()",
    "ALTER TABLE objects ADD CONSTRAINT fk_objects_label FOREIGN KEY (label_set_id, sample_id) "
    "REFERENCES labels (label_set_id, sample_id) ON DELETE CASCADE",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _UPGRADE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _DOWNGRADE:
            op.execute(statement)
