-- The schema as first designed: no unique keys where the code "checks first", no versions, no outbox.

CREATE TABLE IF NOT EXISTS query_log (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    text        NOT NULL,
    question   text        NOT NULL,
    asked_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS memory_facts (
    user_id    text    NOT NULL,
    fact_hash  text    NOT NULL,
    statement  text    NOT NULL,
    mentions   integer NOT NULL DEFAULT 1
);

CREATE TABLE IF NOT EXISTS memory_profiles (
    user_id                 text    PRIMARY KEY,
    conversations_processed integer NOT NULL DEFAULT 0,
    fact_count              integer NOT NULL DEFAULT 0,
    version                 bigint  NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS collections (
    id             uuid    PRIMARY KEY,
    owner_id       text    NOT NULL,
    name           text    NOT NULL,
    document_count integer NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS documents (
    collection_id uuid   NOT NULL REFERENCES collections (id),
    title         text   NOT NULL,
    body          text   NOT NULL,
    embedding     real[] NOT NULL
);

CREATE TABLE IF NOT EXISTS conversations (
    user_id       text        NOT NULL,
    session_id    text        NOT NULL,
    message_count integer     NOT NULL DEFAULT 0,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS conversation_messages (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    text        NOT NULL,
    session_id text        NOT NULL,
    role       text        NOT NULL,
    content    text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS collective_facts (
    id            bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fact_hash     text    NOT NULL,
    statement     text    NOT NULL,
    support_count integer NOT NULL DEFAULT 0,
    promoted      boolean NOT NULL DEFAULT false
);

CREATE TABLE IF NOT EXISTS collective_fact_sources (
    fact_id bigint NOT NULL REFERENCES collective_facts (id),
    user_id text   NOT NULL,
    PRIMARY KEY (fact_id, user_id)
);
