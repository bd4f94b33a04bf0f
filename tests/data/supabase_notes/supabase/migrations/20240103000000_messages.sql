create table public.messages (
  id bigint generated always as identity primary key,
  room text not null,
  author_id uuid references auth.users (id),
  content text not null,
  created_at timestamptz not null default now()
);

create policy "Messages are readable by signed-in users" on public.messages
  for select to authenticated using (true);
