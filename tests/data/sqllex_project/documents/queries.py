"""Document lookups of a small psycopg2 service."""

import psycopg2


def connect(dsn):
    return psycopg2.connect(dsn)


def tagged_documents(cur, owner_id):
    # JSONB `?`: the documents whose data has a "tags" key.
    cur.execute("SELECT id, title FROM documents WHERE data ? 'tags' AND owner_id = %s", (owner_id,))
    return cur.fetchall()


def any_label(cur, labels):
    cur.execute("SELECT id FROM documents WHERE data ?| %s", (labels,))
    return cur.fetchall()


def document_label(cur, document_id):
    cur.execute("SELECT $$owner's copy$$ AS label, title FROM documents WHERE id = ?", (document_id,))
    return cur.fetchone()


def owner_documents(cur, owner_id):
    cur.execute(
        "SELECT id, title FROM documents -- the owner's own documents\n"
        "WHERE owner_id = ?",
        (owner_id,),
    )
    return cur.fetchall()
