-- Area 5: collective memory. A fact is promoted once three distinct users support it; the promotion
-- event goes to the outbox in the same transaction and is published after commit.

CREATE TABLE collective_facts (
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fact_hash     text        NOT NULL UNIQUE,
    statement     text        NOT NULL,
    support_count integer     NOT NULL DEFAULT 0,
    refute_count  integer     NOT NULL DEFAULT 0,
    promoted_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- One stance per user and fact: distinct users are counted by the primary key.
CREATE TABLE collective_fact_sources (
    fact_id    bigint      NOT NULL REFERENCES collective_facts (id) ON DELETE CASCADE,
    user_id    text        NOT NULL,
    stance     text        NOT NULL CHECK (stance IN ('support', 'refute')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (fact_id, user_id)
);
