-- Every place of concern by its category, as a feature layer for risk terrain
-- modelling (EPSG:27700 WKB); the loaded layers are feature_geoms.sql.
-- Through the definer function sql/functions/50_contexts_page_place_geoms.sql: the
-- dashboard role reads no area table itself (docs/security.md, section 10).
SELECT * FROM public.contexts_page_place_geoms()
