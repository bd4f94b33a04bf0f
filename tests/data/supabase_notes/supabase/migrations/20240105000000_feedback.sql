create table public.feedback (
  id bigint generated always as identity primary key,
  email text,
  message text not null,
  created_at timestamptz not null default now()
);

alter table public.feedback enable row level security;

create policy "Anyone can send feedback" on public.feedback
  for insert to anon, authenticated
  with check (true);

create policy "Service role reads feedback" on public.feedback
  for all to service_role
  using (true)
  with check (true);
