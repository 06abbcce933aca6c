-- Area 3: document collections with snapshot versions.
--
-- An ingestion writes its documents with version = current_version + 1 in as many transactions as it
-- likes (invisible to searches, which read only version <= current_version), then flips current_version
-- in one short transaction: a search sees the collection wholly before or wholly after the batch.

CREATE TABLE collections (
    id              uuid        PRIMARY KEY,
    owner_id        text        NOT NULL,
    name            text        NOT NULL,
    current_version integer     NOT NULL DEFAULT 0,
    document_count  integer     NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner_id, name)
);

CREATE TABLE documents (
    collection_id uuid     NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    version       integer  NOT NULL,
    ordinal       integer  NOT NULL,
    title         text     NOT NULL,
    body          text     NOT NULL,
    embedding     real[]   NOT NULL,
    PRIMARY KEY (collection_id, version, ordinal)
);
