-- Area 4: conversations. The database is the source of truth; caches hold (version, messages) and are
-- updated only after commit, never to an older version.

CREATE TABLE conversations (
    user_id       text        NOT NULL,
    session_id    text        NOT NULL,
    message_count integer     NOT NULL DEFAULT 0,
    version       bigint      NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, session_id)
);

CREATE TABLE conversation_messages (
    user_id    text        NOT NULL,
    session_id text        NOT NULL,
    seq        integer     NOT NULL,
    role       text        NOT NULL,
    content    text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, session_id, seq),
    FOREIGN KEY (user_id, session_id) REFERENCES conversations (user_id, session_id) ON DELETE CASCADE
);

-- Idempotency of conversation saves: one row per (user, session, key), written in the save's transaction.
CREATE TABLE conversation_saves (
    user_id         text        NOT NULL,
    session_id      text        NOT NULL,
    idempotency_key text        NOT NULL,
    first_seq       integer     NOT NULL,
    message_count   integer     NOT NULL,
    version         bigint      NOT NULL,
    saved_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, session_id, idempotency_key)
);
