-- Cases and their documents: the foundation of kyc.
-- Times are Unix milliseconds (bigint) so that both engines store them alike.
-- Ids are UUID text; kinds and states are the text forms of kyc-core's enums.

-- One verification case, opened by the operator for one player.
create table cases (
    id text primary key,
    -- what the player quotes to support, e.g. KYC-7F3K9Q2M
    reference text not null unique,
    -- the operator's id for the player: personal data, never logged
    player_id text not null,
    -- comma-separated document kinds the case requires
    required_kinds text not null,
    -- last four digits of the card on the player's account, if known
    card_last4 text,
    priority text not null,
    callback_url text,
    locale text not null,
    status text not null,
    -- SHA-256 (hex) of the player's upload token; the token itself is never stored
    upload_token_hash text not null unique,
    upload_token_expires_at bigint not null,
    -- the SLA clock: started when every required document is in, paused while
    -- the case waits for the player
    sla_started_at bigint,
    sla_paused_since bigint,
    sla_paused_total_secs bigint not null default 0,
    created_at bigint not null,
    updated_at bigint not null
);

create index cases_status on cases (status);

-- One uploaded image. The bytes live encrypted in the object store; this row
-- holds what is needed to find and decrypt them.
create table documents (
    id text primary key,
    case_id text not null references cases (id),
    kind text not null,
    -- SHA-256 (hex) of the uploaded bytes, as the player sent them
    sha256 text not null,
    -- decided by the bytes, never by the request's headers
    content_type text not null,
    byte_size bigint not null,
    width bigint not null,
    height bigint not null,
    object_key text not null,
    -- envelope encryption: the master key that wraps the data key, the wrapped
    -- data key (null once crypto-shredded) and the AES-GCM nonce
    key_id text not null,
    wrapped_key bytea,
    nonce bytea not null,
    status text not null,
    -- the automatic checker's verdict and full report (JSON)
    verdict text not null,
    check_report text not null,
    created_at bigint not null,
    updated_at bigint not null,
    -- the same bytes uploaded twice to one case are one document
    unique (case_id, sha256)
);

create index documents_case on documents (case_id);

-- Operator API tokens, stored only as their SHA-256.
create table operator_tokens (
    token_hash text primary key,
    created_at bigint not null
);
