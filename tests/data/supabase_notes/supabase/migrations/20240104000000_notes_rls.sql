alter table public.notes enable row level security;

create policy "Owners can read their notes" on public.notes
  for select to authenticated using ((select auth.uid()) = owner_id);

create policy "Owners can write their notes" on public.notes
  for all to authenticated
  using ((select auth.uid()) = owner_id)
  with check ((select auth.uid()) = owner_id);
