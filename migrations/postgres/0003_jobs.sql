-- The durable job queue: work done off the request path (OCR of an uploaded
-- document), claimed by any instance under a lease so a dead worker's job is
-- picked up again. Times are Unix milliseconds, like everywhere else.
create table jobs (
    id text primary key,
    -- what to do, e.g. read_document
    kind text not null,
    -- the job's arguments as JSON
    payload text not null,
    -- what the job is about (a document id), so views can show its progress
    subject text,
    -- queued | running | done | failed
    state text not null,
    -- claims so far; a claim whose lease ran out counts too
    attempts bigint not null default 0,
    max_attempts bigint not null,
    -- not claimable before this time (retry backoff)
    run_after bigint not null,
    -- the worker holding the job and until when; another worker may take
    -- the job once the lease has expired
    lease_owner text,
    lease_expires_at bigint,
    last_error text,
    created_at bigint not null,
    updated_at bigint not null
);

-- Claiming scans queued jobs by due time and running jobs by lease expiry.
create index jobs_claim on jobs (state, run_after);
create index jobs_subject on jobs (subject);
