-- Review: reviewers, claims, decisions, the SLA standing and the audit chain.
-- Kept in step with migrations/postgres/0002_review.sql (only blob/bytea differ, and none here).

-- People who review cases. Tokens are stored only as their SHA-256.
create table reviewers (
    id text primary key,
    name text not null unique,
    -- reviewer, supervisor or admin
    role text not null,
    token_hash text not null unique,
    disabled_at bigint,
    created_at bigint not null
);

-- The claim: who works on a case until when (a lease, renewed on activity).
alter table cases add column claimed_by text references reviewers (id);
alter table cases add column claim_expires_at bigint;
-- The SLA standing as the sweeper last set it (not_started, on_track, at_risk, breached).
alter table cases add column sla_standing text not null default 'not_started';
-- When the case reached a final state by a decision.
alter table cases add column decided_at bigint;

create index cases_sla_standing on cases (sla_standing);

-- Every reviewer decision on a document. A rejection under the four-eyes
-- rule is `pending` until a second supervisor confirms it (`final`), or
-- declines it (`declined`).
create table decisions (
    id text primary key,
    document_id text not null references documents (id),
    case_id text not null references cases (id),
    reviewer_id text not null references reviewers (id),
    decision text not null,
    reason text,
    -- shown to the player
    message text,
    -- internal only
    note text,
    state text not null,
    confirmed_by text references reviewers (id),
    created_at bigint not null,
    settled_at bigint
);

create index decisions_document on decisions (document_id);
create index decisions_case on decisions (case_id);

-- The audit trail: append-only, one hash chain for the whole system. Each
-- entry's hash covers its fields and the previous entry's hash (genesis: 64 zeros).
create table audit_log (
    seq bigint primary key,
    at bigint not null,
    -- player, operator, reviewer:<name>, system:<part>, cli
    actor text not null,
    action text not null,
    case_id text,
    document_id text,
    -- JSON with the entry's particulars; never document bytes or card numbers
    detail text not null,
    prev_hash text not null,
    hash text not null
);

create index audit_log_case on audit_log (case_id);

-- The chain's head, one row. Appends lock it first (UPDATE takes PostgreSQL's
-- row lock and SQLite's write lock), so concurrent writers, even on two
-- servers, append one after the other and the chain never forks.
create table audit_head (
    id bigint primary key,
    seq bigint not null,
    hash text not null,
    updated_at bigint not null
);

insert into audit_head (id, seq, hash, updated_at)
values (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0);
