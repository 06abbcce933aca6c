-- Areas 1 and 2: a user's memory (facts and the profile that summarizes them).

CREATE TABLE memory_facts (
    user_id     text        NOT NULL,
    fact_hash   text        NOT NULL,  -- SHA-256 of the normalized statement: the dedup key
    statement   text        NOT NULL,
    mentions    integer     NOT NULL DEFAULT 1 CHECK (mentions > 0),
    first_seen  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, fact_hash)
);

-- One row per user; written in the same transaction as the facts, so fact_count always equals the
-- number of the user's rows in memory_facts for any reader that reads both in one snapshot.
CREATE TABLE memory_profiles (
    user_id                 text        PRIMARY KEY,
    conversations_processed integer     NOT NULL DEFAULT 0,
    fact_count              integer     NOT NULL DEFAULT 0,
    summary                 text        NOT NULL DEFAULT '',
    version                 bigint      NOT NULL DEFAULT 0,
    updated_at              timestamptz NOT NULL DEFAULT now()
);

-- Idempotency of memory saves: a save id is applied at most once, whoever retries it.
CREATE TABLE memory_saves_applied (
    user_id    text        NOT NULL,
    save_id    uuid        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, save_id)
);
