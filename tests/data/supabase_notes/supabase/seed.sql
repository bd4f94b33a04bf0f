insert into public.feedback (email, message) values ('dev@example.com', 'seeded locally');
