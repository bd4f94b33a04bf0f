create table public.notes (
  id bigint generated always as identity primary key,
  owner_id uuid not null references auth.users (id) on delete cascade,
  title text not null,
  body text,
  inserted_at timestamptz not null default now()
);

create index notes_owner_id_idx on public.notes (owner_id);
