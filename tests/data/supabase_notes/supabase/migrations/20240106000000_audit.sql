create schema if not exists private;

create table private.audit_log (
  id bigint generated always as identity primary key,
  table_name text not null,
  row_id bigint,
  changed_by uuid default auth.uid(),
  changed_at timestamptz not null default now()
);

create or replace function private.log_change()
returns trigger
language plpgsql
security definer
as $$
begin
  insert into private.audit_log (table_name, row_id) values (tg_table_name, new.id);
  return new;
end;
$$;

create trigger notes_audit
  after insert or update on public.notes
  for each row execute function private.log_change();
