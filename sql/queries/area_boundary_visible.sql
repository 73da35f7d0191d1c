-- The union of the areas this transaction may see (its sealed pass, or all): the risk
-- terrain's grid covers only them, so cells of another area never count as cells where
-- nothing happened (geo/store/why.py).
SELECT ST_AsBinary(ST_Union(geom)) FROM area WHERE contexts_area_visible(area_code)
