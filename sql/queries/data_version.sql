-- The data's version stamp: the latest extract (changes whenever a file is loaded) and a
-- digest of the intervention register (changes when an analyst adds, edits or ends one).
-- Through the definer function sql/functions/50_contexts_page_data_version.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_data_version()
